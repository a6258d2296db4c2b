printf "%s\n"; printf "x%sy\n" 1 2 3
