unset u; echo "${u:-"inner quoted"}"
