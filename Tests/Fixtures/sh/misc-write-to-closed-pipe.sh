i=0; while [ $i -lt 10000 ]; do echo y; i=$((i+1)); done | head -n 1
