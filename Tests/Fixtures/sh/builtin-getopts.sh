set -- -a -b val -c file; while getopts ab:c o; do echo "$o ${OPTARG:-}"; done; shift $((OPTIND-1)); echo "rest: $*"
