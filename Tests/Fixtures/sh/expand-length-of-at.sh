set -- aa bbb; echo ${#@} ${#*}
