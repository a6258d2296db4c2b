echo "echo \$# \$1" > pp.sh; set -- main; . ./pp.sh a b; echo $1
