touch e1; ln -f e1 e2; [ e1 -ef e2 ] && echo same
