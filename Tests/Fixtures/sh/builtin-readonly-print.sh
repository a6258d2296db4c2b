readonly RO_T=5; readonly -p | grep RO_T
