trap "echo cleanup" EXIT; set -e; false
