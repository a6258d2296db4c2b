[ -n "$PPID" ] && echo ppid-set
