echo a # comment here
echo b#notcomment
