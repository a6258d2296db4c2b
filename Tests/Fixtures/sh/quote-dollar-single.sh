echo '$HOME' | cat
