[ \( a = a \) ] && echo paren; test \( 1 -eq 2 \) -o 1 -eq 1 && echo or-paren
