x=$(true); echo $?; x=$(false); echo $?
