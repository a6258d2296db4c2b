touch rf; chmod 644 rf; [ -r rf ] && echo readable; [ -x rf ] || echo notexec
