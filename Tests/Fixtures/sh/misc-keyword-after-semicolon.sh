true; if true; then echo kw; fi
