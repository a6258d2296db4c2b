mkdir -p pv; cd pv; [ "$PWD" = "$(pwd)" ] && echo pwd-var-ok
