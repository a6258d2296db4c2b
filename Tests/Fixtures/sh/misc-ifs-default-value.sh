printf "%s" "$IFS" | od -c | head -n 1
