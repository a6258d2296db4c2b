f() { (exit 9); return; }; f; echo $?
