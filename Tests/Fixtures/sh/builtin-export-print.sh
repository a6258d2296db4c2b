export ZZ_TEST=1; export -p | grep ZZ_TEST
