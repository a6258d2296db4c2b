touch q1; x=q*; echo $x "$x"
