x=1; unset x; echo "[${x}]"; echo ${x-unset}
