if false; then :; fi; echo $?; if true; then (exit 3); fi; echo $?
