echo $(echo 'single ) paren')
