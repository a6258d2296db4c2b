echo "sourced=yes; echo in-dot \$1" > inc.sh; . ./inc.sh; echo $sourced
