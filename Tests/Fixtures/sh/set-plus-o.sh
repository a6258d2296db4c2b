set -e; set +o errexit; false; echo ok
