cat <<EOF
'\$HOME' is not quoted here: ok
EOF
