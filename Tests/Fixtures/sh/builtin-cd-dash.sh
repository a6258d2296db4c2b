mkdir -p x1 x2; cd x1; cd ../x2; cd - | sed "s|.*/||"; pwd | sed "s|.*/||"
