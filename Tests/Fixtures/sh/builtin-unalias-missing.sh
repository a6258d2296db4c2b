unalias nosuch_a; echo "st $?"
