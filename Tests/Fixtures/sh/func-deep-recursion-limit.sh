f() { f; }; f
echo notreached
