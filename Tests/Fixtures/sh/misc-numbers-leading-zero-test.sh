[ 010 -eq 10 ] && echo decimal-in-test
