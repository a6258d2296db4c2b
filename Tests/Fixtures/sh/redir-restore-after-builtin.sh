echo a > f1; echo b; cat f1
