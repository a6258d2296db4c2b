x=v; echo 'a'"b$x"c'$x'
