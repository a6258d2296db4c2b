set -- outer; f() { echo "in: $1 $#"; }; f a b; echo "out: $1 $#"
