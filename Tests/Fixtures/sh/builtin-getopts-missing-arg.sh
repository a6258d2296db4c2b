set -- -b; getopts ab: o; echo "$o"
