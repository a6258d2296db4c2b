printf "noeol" | { read x; echo "$? [$x]"; }
