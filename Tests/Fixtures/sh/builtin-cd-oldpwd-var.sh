mkdir -p o1; d=$PWD; cd o1; [ "$OLDPWD" = "$d" ] && echo oldpwd-ok
