#!/bin/sh
# tar czf / tar xzf: toolbox vs GNU tar (gzip -6), alternating rounds,
# ratio of medians. Usage: bench/gzip.sh [MB] [ROUNDS]
# The tree: text-like files (source code repeated with varying numbers) and
# some incompressible ones, about MB megabytes in all.
set -eu
MB=${1:-300}; ROUNDS=${2:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
TB=${TOOLBOX_BIN:-$REPO/.build/release/toolbox}
W=$(mktemp -d /tmp/gzbench.XXXXXX); trap 'rm -rf "$W"' EXIT
cd "$W"; mkdir tree
i=0; size=0
while [ $size -lt $((MB * 1024 * 1024)) ]; do
  d=tree/d$((i / 100)); mkdir -p $d
  if [ $((i % 10)) = 0 ]; then head -c 1000000 /dev/urandom > $d/f$i.bin
  else cat "$REPO"/Sources/*/*.swift "$REPO"/Sources/*/*/*.swift 2>/dev/null | sed "s/[0-9]/$((i % 10))/g" > $d/f$i.txt; fi
  size=$(du -sb tree | cut -f1); i=$((i + 1))
done
echo "tree: $(du -sb tree | cut -f1) bytes, $(find tree -type f | wc -l) files"
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: > c.gnu; : > c.tb; : > x.gnu; : > x.tb
for r in $(seq 1 "$ROUNDS"); do
  t tar czf gnu.tgz tree >> c.gnu
  t "$TB" tar czf tb.tgz tree >> c.tb
  rm -rf o && mkdir o && t tar xzf gnu.tgz -C o >> x.gnu
  rm -rf o && mkdir o && t "$TB" tar xzf gnu.tgz -C o >> x.tb
done
cg=$(median < c.gnu); ct=$(median < c.tb); xg=$(median < x.gnu); xt=$(median < x.tb)
sg=$(stat -c%s gnu.tgz); st=$(stat -c%s tb.tgz)
echo "| operation | GNU tar (s) | toolbox (s) | ratio |"
echo "| --- | --- | --- | --- |"
echo "| tar czf | $cg | $ct | $(echo "scale=2; $ct / $cg" | bc) |"
echo "| tar xzf (GNU-made archive) | $xg | $xt | $(echo "scale=2; $xt / $xg" | bc) |"
echo "| archive size (bytes) | $sg | $st | $(echo "scale=3; $st / $sg" | bc) |"
