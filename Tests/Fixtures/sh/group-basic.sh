{ echo a; echo b; }; { echo c; } | cat
