set -u; set --; echo "$@" $# end
