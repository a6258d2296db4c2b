f() { return 4; }; f; echo $?; g() { false; }; g; echo $?
