echo $((5%0))
