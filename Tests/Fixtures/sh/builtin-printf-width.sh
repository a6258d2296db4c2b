printf "[%5s][%-5s][%.2s][%05d][%-4d][%x][%X][%o]\n" ab cd efgh 42 7 255 255 8
