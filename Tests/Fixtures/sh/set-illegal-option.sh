set -Q; echo notreached
