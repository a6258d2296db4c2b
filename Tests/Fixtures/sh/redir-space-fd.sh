echo x 2 > f; cat f
