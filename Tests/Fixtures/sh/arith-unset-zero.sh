unset n; echo $((n+1)) $((n))
