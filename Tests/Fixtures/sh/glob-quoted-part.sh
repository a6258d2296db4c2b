touch "a b1" "a b2"; echo "a b"*
