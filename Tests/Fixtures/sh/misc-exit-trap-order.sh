trap "echo trap" EXIT; echo a; exit 0; echo b
