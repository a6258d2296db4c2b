i=0; { while [ $i -lt 3000 ]; do echo "line $i of the big here-document"; i=$((i+1)); done; } > gen.sh.txt
{ echo "cat <<EOF"; cat gen.sh.txt; echo EOF; } > big.sh
sh big.sh | tail -n 2
