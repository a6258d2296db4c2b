echo "$(cat <<EOF
sub here
EOF
)"
