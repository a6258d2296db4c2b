x==; echo "$x"
