x="  a   b  "; set -- $x; echo $#; for w; do echo "<$w>"; done
