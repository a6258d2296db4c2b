echo x | read; echo "st $?"
