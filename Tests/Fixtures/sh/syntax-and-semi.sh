echo a && ;
