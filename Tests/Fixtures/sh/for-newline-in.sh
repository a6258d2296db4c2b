for x in a b
do
echo $x
done
