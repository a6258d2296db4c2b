for x in a b; do :; done; echo $x
