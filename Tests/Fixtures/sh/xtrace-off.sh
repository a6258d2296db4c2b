set -x; set +x; echo quiet
