printf "%d\n" abc; echo "st $?"
