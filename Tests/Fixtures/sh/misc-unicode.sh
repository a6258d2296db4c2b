x="héllo wörld"; echo "$x" ${x#h} ${#x}
