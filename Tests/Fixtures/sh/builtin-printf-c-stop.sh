printf "a\cb"; echo
