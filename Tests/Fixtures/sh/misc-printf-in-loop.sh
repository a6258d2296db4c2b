for i in 1 2 3; do printf "%02d " $i; done; echo
