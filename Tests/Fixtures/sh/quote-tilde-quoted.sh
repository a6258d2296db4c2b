HOME=/h; echo ~ "~" '~' ~/x a~
