cat < /dev/null; echo done
