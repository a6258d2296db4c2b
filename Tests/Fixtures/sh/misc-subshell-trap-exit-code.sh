(trap "echo in-trap" EXIT; exit 4); echo $?
