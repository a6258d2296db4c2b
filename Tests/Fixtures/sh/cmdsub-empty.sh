x=$(); echo "[$x]"; echo "[$( )]"
