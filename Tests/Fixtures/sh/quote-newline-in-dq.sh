echo "a
b"
