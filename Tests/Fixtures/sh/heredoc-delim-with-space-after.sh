cat <<EOF
x
EOF 
EOF
