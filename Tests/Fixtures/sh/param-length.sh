x=hello; e=; echo ${#x} ${#e} ${#nope}
set -- a b c; echo ${#}
