printf "%u %x\n" -1 -1
