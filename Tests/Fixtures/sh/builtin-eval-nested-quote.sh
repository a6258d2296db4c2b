eval 'echo "a  b"'
