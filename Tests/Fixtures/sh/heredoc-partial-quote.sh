x=val; cat <<E"O"F
no $x
EOF
