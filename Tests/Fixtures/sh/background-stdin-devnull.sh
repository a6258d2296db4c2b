echo in | { cat & wait; }
