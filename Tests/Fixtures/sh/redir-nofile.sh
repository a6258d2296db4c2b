cat < /nonexistent/file; echo "st $?"
