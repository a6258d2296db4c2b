IFS=:; x=":a"; set -- $x; echo $#; for w; do echo "<$w>"; done
