touch fa fb; v="1 2"; for x in f* $v; do echo $x; done
