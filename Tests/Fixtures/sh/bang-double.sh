! ! false; echo $?
