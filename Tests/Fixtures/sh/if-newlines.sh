if
true
then
echo nl
fi
