f() { echo "in:$x"; }; x=outer; x=inner f; echo "after:$x"
