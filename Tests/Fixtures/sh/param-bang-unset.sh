echo "[${!}]"
