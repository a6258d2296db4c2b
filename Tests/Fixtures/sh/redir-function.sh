f() { echo fn; }; f > out; cat out
