if (exit 4); then :; else echo "else $?"; fi
