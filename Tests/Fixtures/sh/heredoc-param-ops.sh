x=abc.def; cat <<EOF
${x%.*} ${#x} ${y:-dflt}
EOF
