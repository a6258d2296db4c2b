x=1; echo "a  $x" "\$x" "\\" "\a" "q\"q"
