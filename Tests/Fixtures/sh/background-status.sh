false & wait $!; echo $?; (exit 5) & wait $!; echo $?
