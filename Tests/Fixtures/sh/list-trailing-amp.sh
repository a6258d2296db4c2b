true & echo fg; wait
