eval "if"; echo notreached
