echo err 2>/dev/null >&2; echo visible
cd /nonexistent-dir 2>/dev/null; echo $?
