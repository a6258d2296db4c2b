f() { eval "return 5"; echo no; }; f; echo $?
