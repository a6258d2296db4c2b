set -- "a b" "c"; IFS=; set -- $@; echo $#
