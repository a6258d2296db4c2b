x=1; eval "x=2; echo \$x"; eval echo "\$x" a b; eval
