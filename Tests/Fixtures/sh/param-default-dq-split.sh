unset a; for w in "${a:-one two}"; do echo "<$w>"; done
