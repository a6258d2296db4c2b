x="a	b"; IFS="	"; set -- $x; echo $#
