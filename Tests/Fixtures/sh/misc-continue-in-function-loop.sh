f() { for i in 1 2; do continue; done; echo f-done; }; f
