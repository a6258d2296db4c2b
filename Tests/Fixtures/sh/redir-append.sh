echo 1 > f; echo 2 >> f; cat f
