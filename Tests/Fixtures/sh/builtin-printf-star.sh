printf "[%*s][%-*s]\n" 4 a 3 b
