exec 3>&1; exec > f; echo into-file; exec 1>&3 3>&-; echo back; cat f
