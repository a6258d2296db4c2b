if true; then fi
