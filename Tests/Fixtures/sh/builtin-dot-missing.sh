. ./nonexistent.sh; echo notreached
