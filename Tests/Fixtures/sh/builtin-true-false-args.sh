true --ignored; echo $?; false --ignored; echo $?
