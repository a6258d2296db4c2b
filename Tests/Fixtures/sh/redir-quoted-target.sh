echo x > "sp ace"; cat "sp ace"
