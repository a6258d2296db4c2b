echo closed >&-; echo $?
