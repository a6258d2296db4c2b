echo "echo from-script \$1" > ns.sh; chmod +x ns.sh; ./ns.sh arg; echo $?
