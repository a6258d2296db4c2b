echo "" '' x""y x''y
