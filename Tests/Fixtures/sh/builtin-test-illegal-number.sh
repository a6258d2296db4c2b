[ 1 -eq x ]; echo "st $?"
