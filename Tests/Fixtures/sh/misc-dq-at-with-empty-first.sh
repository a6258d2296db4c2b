set -- "" b; for a in "$@"; do echo "[$a]"; done
