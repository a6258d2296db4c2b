cd /nonexistent/dir; echo "st $?"
