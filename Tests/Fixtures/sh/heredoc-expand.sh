x=val; cat <<EOF
x is $x, sum $((1+2)), cmd $(echo c)
EOF
