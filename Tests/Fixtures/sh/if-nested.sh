if true; then if false; then echo a; else if true; then echo deep; fi; fi; fi
