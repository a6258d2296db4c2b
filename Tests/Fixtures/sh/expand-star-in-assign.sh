set -- a b; IFS=:; x=$*; echo "$x"
