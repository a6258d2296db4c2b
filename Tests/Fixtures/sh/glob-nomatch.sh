echo no*match "q*"
