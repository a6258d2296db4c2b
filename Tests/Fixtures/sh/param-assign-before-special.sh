x=outer; x=inner :; echo $x
