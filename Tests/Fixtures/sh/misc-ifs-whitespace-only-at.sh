set -- " a " " b "; for x in $@; do echo "[$x]"; done
