echo "echo hi" > ne.sh; chmod -x ne.sh; ./ne.sh; echo $?
