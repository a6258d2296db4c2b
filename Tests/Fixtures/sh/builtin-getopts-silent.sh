set -- -z -b; while getopts :ab: o; do echo "$o [$OPTARG]"; done
