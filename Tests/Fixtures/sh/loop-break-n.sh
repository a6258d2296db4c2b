for a in 1 2; do for b in x y; do echo $a$b; break 2; done; done; echo out
