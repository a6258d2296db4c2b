cat <<EOF
a\$b \\ \n "q" \"
EOF
