echo one
echo two
echo three; fi
echo four
