printf "tab\there\n\101\n"
