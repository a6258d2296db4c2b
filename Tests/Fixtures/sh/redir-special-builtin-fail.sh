set -- a; : > /nonexistent/x; echo notreached
