test 1 -gt; echo "st $?"
