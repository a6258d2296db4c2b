set -- a b c; echo $# $1; set --; echo $#
