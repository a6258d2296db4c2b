# a negative precision from an argument counts as omitted; a negative width is left-justified
printf '[%.*d][%.*s][%.*f]\n' -1 5 -1 abc -1 1.5
printf '[%*s][%-*s][%*d][%*x]\n' -4 ab 4 cd -3 7 5 255
printf '[%.*s][%.*d]\n' 2 abcdef 3 7
echo "status $?"
