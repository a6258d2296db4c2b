echo a > f b c; cat f
