echo ${x!y}
