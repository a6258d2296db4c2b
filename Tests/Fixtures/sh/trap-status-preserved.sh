trap "false" USR1; true; kill -USR1 $$; echo $?
