touch z y x B A; echo *
