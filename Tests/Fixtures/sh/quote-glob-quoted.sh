touch a1 a2; echo 'a*' "a*" a\* a*
