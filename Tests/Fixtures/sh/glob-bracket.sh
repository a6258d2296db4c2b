touch x1 x2 x3 xa; echo x[12] x[!12] x[0-9]
