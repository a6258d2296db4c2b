cat <<EOF | sed s/a/b/
aaa
EOF
