echo "abc\
def"
