jobs; echo "st $?"
