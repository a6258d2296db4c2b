printf "l1\nl2\n" > rf; { read a; read b; } < rf; echo "$a,$b"
