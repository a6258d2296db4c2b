echo ab\
cd
echo "x\
y"
