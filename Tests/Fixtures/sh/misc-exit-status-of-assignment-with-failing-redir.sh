x=1 > /nonexistent/f; echo "st $?"
