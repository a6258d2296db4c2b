echo "$(echo "inner  spaces")"
