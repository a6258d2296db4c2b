touch "[a"; echo [a
