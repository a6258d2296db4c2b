n=target; echo x > $n; cat target
