x=$(printf "a\nb"); echo "$x" | wc -l
