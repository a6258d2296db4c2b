PATH_SAVE=$PATH; x=1 env 2>/dev/null | grep "^x=" ; echo done
