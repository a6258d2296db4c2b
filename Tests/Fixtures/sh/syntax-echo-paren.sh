echo (a)
