x="a "; set -- $x"b"; echo $#; for w; do echo "<$w>"; done
