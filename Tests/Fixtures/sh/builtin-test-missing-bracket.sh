[ a = a; echo "st $?"
