echo a\ b \$x \\ \"
echo \a\b
