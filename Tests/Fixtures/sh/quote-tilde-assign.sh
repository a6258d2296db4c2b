HOME=/h; x=~/a; echo $x; y=a:~/b; echo $y
