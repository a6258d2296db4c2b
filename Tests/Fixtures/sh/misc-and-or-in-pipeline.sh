true && echo a | cat
