echo ${1=x}
