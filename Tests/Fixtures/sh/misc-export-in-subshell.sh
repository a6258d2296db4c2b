(export SUBX=1); echo "[${SUBX:-}]"
