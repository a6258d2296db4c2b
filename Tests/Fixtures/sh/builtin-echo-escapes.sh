echo "a\tb" "c\nd" "e\\f"
echo "stop\cignored"; echo next
