for a in 1; do for b in 2; do break 5; done; echo no; done; echo ok
