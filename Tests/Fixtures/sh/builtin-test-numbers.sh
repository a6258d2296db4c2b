[ 3 -eq 3 ] && echo eq; [ 2 -lt 3 ] && echo lt; [ 3 -ge 4 ] || echo notge; [ -5 -lt 0 ] && echo neg
