touch m1 m2; echo $(echo "m*")
