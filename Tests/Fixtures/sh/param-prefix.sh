p=/usr/local/bin; echo ${p#*/} ${p##*/} ${p#nomatch}
