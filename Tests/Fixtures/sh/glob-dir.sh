mkdir -p d1/s d2; touch d1/f d2/g; echo d*/*; echo */
