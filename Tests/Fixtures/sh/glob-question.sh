touch ab ac abc; echo a?
