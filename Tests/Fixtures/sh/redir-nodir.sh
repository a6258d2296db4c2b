echo x > /nonexistent/dir/file; echo "st $?"
