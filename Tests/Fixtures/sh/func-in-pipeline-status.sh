f() { return 3; }; f | f; echo $?
