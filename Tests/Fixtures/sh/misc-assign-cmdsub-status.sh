x=$(exit 2); echo $?
