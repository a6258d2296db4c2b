mkdir -p adir; ./adir; echo $?
