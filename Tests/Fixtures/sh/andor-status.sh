false && true; echo $?; false || false; echo $?
