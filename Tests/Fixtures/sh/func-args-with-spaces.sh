f() { echo $#; for a; do echo "[$a]"; done; }; f "a b" c
