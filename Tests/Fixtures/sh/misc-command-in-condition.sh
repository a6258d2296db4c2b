if echo cond-out; then echo yes; fi
