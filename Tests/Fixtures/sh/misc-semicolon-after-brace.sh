{ echo a; };
