false; echo $?; true; echo $?; (exit 7); echo $?
