exec nosuchprog_q; echo notreached
