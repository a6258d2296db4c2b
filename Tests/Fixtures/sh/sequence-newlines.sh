

echo after-blank


