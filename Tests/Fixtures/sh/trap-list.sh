trap "echo a" USR1; trap "" USR2; trap
