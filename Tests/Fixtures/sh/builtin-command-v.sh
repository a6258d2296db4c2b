command -v echo; command -v cd; command -v nosuch_zz; echo "st $?"; f() { :; }; command -v f
