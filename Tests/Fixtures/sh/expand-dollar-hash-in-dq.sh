set -- a b c; echo "$# args"
