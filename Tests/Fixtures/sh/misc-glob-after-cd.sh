mkdir -p gd; touch gd/inside; cd gd; echo *
