export E1=v1; sh -c 'echo $E1'; E2=v2 sh -c 'echo $E2'; echo "[$E2]"
