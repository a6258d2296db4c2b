mkdir -p sd; (cd sd; pwd | sed "s|.*/||"); pwd | sed "s|.*/||" | grep -q sd || echo not-in-sd
