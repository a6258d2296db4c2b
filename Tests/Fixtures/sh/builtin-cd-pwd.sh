mkdir -p c1/c2; cd c1/c2; pwd | sed "s|.*/c1|c1|"; cd ..; pwd | sed "s|.*/||"; cd ../c1/./c2/..; pwd | sed "s|.*/||"
