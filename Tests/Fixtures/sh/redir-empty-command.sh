> empty; [ -f empty ] && echo created
