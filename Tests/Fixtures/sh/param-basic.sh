x=hello; echo $x ${x} "${x}world" ${x}s
