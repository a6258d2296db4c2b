set -o errexit; false; echo notreached
