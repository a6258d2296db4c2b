x=$(echo "1 2"); set -- $x; echo $#
