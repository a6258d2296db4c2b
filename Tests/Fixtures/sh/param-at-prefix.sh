set -- a b; for x in "x$@y"; do echo "[$x]"; done
