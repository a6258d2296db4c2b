x=1; export x; x=2; sh -c 'echo $x'
