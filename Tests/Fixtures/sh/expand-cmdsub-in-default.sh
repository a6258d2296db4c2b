unset u; echo ${u:-$(echo computed)}
