(echo one > o1) & (echo two > o2) & wait; cat o1 o2
