set -- -z; getopts ab o; echo "$o $?"
