{ echo 1; echo 2; } > f; cat f
