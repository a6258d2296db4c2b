unset a; echo "${a:-x  y}" ${a:-"p  q"}
