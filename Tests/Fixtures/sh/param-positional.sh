set -- a b c d e f g h i j k; echo $1 $2 $9 ${10} ${11} $#
