echo $((1+))
