sh -c "exit 9" & p=$!; wait $p; echo $?
