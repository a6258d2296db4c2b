/nonexistent/cmd; echo $?
