x=val; cat <<'EOF'
no $x expansion `echo no`
EOF
