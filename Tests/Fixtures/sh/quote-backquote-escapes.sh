echo `echo \$HOME | cat`; echo "`echo \"q\"`"
