export 1abc=x; echo notreached
