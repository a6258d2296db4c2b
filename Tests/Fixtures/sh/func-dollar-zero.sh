f() { echo "${0##*/}" | grep -q . && echo has0; }; f
