set -x; echo a "b c"; x=1
