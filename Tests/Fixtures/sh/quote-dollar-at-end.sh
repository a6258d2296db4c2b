echo a$ "b$" $
