f() { echo from-f; }; f | cat
