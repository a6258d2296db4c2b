set -- a b; for x in ${1+"$@"}; do echo "[$x]"; done
