cat <<E
1
2
E
fi
