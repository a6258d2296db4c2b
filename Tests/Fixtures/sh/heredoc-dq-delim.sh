x=val; cat <<"EOF"
no $x
EOF
