f() { trap "echo fexit" EXIT; }; f; echo main-end
