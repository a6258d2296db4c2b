x=$(cat <<E
in here
E
); echo "$x"
