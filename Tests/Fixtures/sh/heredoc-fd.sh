cat 3<<EOF <&3
via fd3
EOF
