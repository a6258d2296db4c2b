a && b || c && { d; e; } | f > g 2>&1 & wait; echo $((1+2)) "${x:-$(echo y)}" <<EOF
body $x
EOF
