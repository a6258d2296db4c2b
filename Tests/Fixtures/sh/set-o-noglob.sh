touch n1; set -o noglob; echo n*
