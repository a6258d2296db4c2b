x=$(exit 3); echo $?; x=$(false) y=1; echo $?
