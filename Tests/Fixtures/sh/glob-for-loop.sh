touch l1 l2 l3; for f in l*; do echo "file $f"; done
