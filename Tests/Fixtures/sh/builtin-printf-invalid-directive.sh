printf "%y\n" a
echo "st $?"
