type cd; type :; f() { :; }; type f; type nosuch_t; echo "st $?"
