{ echo bg-in-group & wait; }
