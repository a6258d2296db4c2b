touch f1; set -f; echo f*; set +f; echo f*
