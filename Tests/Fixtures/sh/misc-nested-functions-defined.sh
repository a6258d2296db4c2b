outer() { inner() { echo inner-called; }; }; outer; inner
