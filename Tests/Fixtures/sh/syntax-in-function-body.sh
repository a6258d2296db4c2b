f() { if; }
