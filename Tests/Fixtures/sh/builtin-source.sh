echo "echo via source" > s.sh; . ./s.sh
