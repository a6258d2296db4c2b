( ( (echo deep) ) )
