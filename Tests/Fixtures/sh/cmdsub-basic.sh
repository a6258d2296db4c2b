echo "[$(echo hi)]" [`echo bq`]
