{ echo err >&2; } 2>&1 >/dev/null | sed s/^/got:/
