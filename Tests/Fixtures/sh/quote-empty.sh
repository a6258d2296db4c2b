set -- '' "" x; echo $#
for a in '' ""; do echo "[$a]"; done
