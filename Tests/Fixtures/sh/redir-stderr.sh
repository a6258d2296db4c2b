echo err 2>/dev/null >&2; echo visible
ls /nonexistent-dir 2>/dev/null; echo $?
