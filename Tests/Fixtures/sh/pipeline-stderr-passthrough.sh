{ echo e >&2; } | cat 2>/dev/null
