touch g1 g2; x=g*; echo "$x"
