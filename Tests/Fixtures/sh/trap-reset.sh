trap "echo x" USR1; trap - USR1; trap "echo y" EXIT; trap - EXIT; echo done
