HOME=/h; echo a~ x=~ --opt=~
