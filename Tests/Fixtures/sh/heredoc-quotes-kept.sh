cat <<EOF
it's "quoted"
EOF
