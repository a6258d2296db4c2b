set -e; (exit 3)
