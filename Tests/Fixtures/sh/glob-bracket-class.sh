touch Ab ab 1b; echo [[:upper:]]b [[:digit:]]b
