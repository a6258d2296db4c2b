(exit 3); echo $?; (exit 300); echo $?
