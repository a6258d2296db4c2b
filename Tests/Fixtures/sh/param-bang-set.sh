true & p=$!; wait; [ "$p" = "$!" ] && echo same
