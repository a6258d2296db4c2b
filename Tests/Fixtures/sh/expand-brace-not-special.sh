echo {a,b} {x}
