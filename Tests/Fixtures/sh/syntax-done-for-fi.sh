if true; then echo; done
