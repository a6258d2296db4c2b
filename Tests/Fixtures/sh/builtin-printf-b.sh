printf "%b|%s\n" "a\tb" "a\tb"
