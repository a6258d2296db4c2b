trap "echo x" NOSUCHSIG; echo "st $?"
