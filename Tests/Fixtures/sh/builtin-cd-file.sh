touch plain; cd plain; echo "st $?"
