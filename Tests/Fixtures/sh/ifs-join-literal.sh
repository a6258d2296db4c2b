x="a b"; set -- pre$x"post"; echo $#; for w; do echo "<$w>"; done
