{ echo out; echo err >&2; } 2>&1 | sed s/^/p:/
