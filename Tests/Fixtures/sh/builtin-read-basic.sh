echo "x y" > rf; read a b < rf; echo "$b $a"
