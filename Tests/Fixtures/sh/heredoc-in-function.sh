f() { cat <<EOF
fn $1
EOF
}; f arg
