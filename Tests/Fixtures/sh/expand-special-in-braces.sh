set -- x y; echo ${#} ${?} ${@} ${*}
