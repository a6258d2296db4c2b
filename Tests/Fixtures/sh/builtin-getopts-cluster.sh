set -- -ab -cX; while getopts abc: o; do echo "$o [${OPTARG:-}]"; done
