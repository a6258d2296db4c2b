echo not-printed; fi
