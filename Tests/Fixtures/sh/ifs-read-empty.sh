echo | { read x; echo "$? [$x]"; }; : | { read y; echo "$? [$y]"; }
