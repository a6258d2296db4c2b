f() { set --; echo $#; }; set -- a b; f; echo $#
