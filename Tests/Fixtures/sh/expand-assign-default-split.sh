unset u; set -- ${u:=a b}; echo $# "$u"
