mkdir -p hh; HOME=$PWD/hh; cd; pwd | sed "s|.*/||"
