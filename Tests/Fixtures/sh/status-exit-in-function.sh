f() { exit 6; }; f; echo no
