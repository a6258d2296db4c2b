IFS=0; x=10203; set -- $x; echo $# "$@"
