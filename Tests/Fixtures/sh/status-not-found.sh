nosuchcommand_xyz; echo $?
