set -e; (false; echo inner-notreached); echo "st $?"
