echo -n "no newline"; echo " end"; echo -n; echo -e x
