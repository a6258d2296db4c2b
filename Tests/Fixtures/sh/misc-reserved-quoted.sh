"if" 2>/dev/null; echo "st $?"
