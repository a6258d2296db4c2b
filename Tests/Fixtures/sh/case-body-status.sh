case x in x) (exit 6);; esac; echo $?
