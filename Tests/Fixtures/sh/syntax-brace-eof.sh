{ echo;
