set -- one; echo $1x ${1}x
