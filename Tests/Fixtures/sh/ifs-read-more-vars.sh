echo "one" | { read a b c; echo "[$a][$b][$c]"; }
