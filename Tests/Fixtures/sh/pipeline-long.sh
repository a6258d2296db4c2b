printf "c\nb\na\n" | sort | head -n 2 | cat
