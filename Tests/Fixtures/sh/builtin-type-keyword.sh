type if; type while
