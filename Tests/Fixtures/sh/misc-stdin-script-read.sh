read line
echo "got:$line"
