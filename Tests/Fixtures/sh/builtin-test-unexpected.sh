test a b; echo "st $?"
