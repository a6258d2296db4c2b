#!/bin/sh
# tar czf / tar xzf: toolbox vs GNU tar (gzip -6), alternating rounds,
# ratio of medians. Usage: bench/gzip.sh [MB] [ROUNDS]
# The tree: text-like files (source code repeated with varying numbers) and
# some incompressible ones, about MB megabytes in all. It is made under
# $TMPDIR (default /tmp; TMPDIR=/dev/shm keeps the disk out of the figures).
# Every timed command must exit 0 and every extraction is checked against
# the tree (file count and bytes each round, content with diff -r in the
# first), so a failing run cannot pass for a fast one. The toolbox binary is
# copied first, so a rebuild during the run cannot change what is measured.
set -eu
MB=${1:-300}; ROUNDS=${2:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/gzbench.XXXXXX"); trap 'rm -rf "$W"' EXIT
cp "${TOOLBOX_BIN:-$REPO/.build/release/toolbox}" "$W/toolbox"; TB=$W/toolbox
cd "$W"; mkdir tree
i=0; size=0
while [ $size -lt $((MB * 1024 * 1024)) ]; do
  d=tree/d$((i / 100)); mkdir -p $d
  if [ $((i % 10)) = 0 ]; then head -c 1000000 /dev/urandom > $d/f$i.bin
  else cat "$REPO"/Sources/*/*.swift "$REPO"/Sources/*/*/*.swift 2>/dev/null | sed "s/[0-9]/$((i % 10))/g" > $d/f$i.txt; fi
  size=$(du -sb tree | cut -f1); i=$((i + 1))
done
want="$(find tree -type f | wc -l) $(du -sb tree | cut -f1)"
echo "tree: $(du -sb tree | cut -f1) bytes, $(find tree -type f | wc -l) files in $W; load: $(cut -d' ' -f1-3 /proc/loadavg)"
t() {   # prints "wall cpu" (cpu: user + sys of the command and its children)
  /usr/bin/time -f '%e %U %S' -o tm "$@" >/dev/null 2>err || { echo "FAILED: $*" >&2; cat err >&2; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' tm
}
check() {   # the extraction in o is the tree
  got="$(find o/tree -type f | wc -l) $(du -sb o/tree | cut -f1)"
  [ "$got" = "$want" ] || { echo "FAILED: $1 extracted '$got', want '$want'" >&2; exit 1; }
  if [ "$2" = 1 ]; then diff -r tree o/tree >/dev/null || { echo "FAILED: $1 extraction differs" >&2; exit 1; }; fi
}
median() { cut -d' ' -f"$1" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: > c.gnu; : > c.tb; : > x.gnu; : > x.tb
for r in $(seq 1 "$ROUNDS"); do
  t tar czf gnu.tgz tree >> c.gnu
  t "$TB" tar czf tb.tgz tree >> c.tb
  if [ "$r" = 1 ]; then   # what toolbox wrote, GNU reads
    gzip -t tb.tgz && rm -rf o && mkdir o && tar xzf tb.tgz -C o && check "GNU tar of tb.tgz" 1
  fi
  rm -rf o && mkdir o && t tar xzf gnu.tgz -C o >> x.gnu && check "GNU tar" "$r"
  rm -rf o && mkdir o && t "$TB" tar xzf gnu.tgz -C o >> x.tb && check toolbox "$r"
done
rm -rf o
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
cg=$(median 1 < c.gnu); ct=$(median 1 < c.tb); xg=$(median 1 < x.gnu); xt=$(median 1 < x.tb)
cgc=$(median 2 < c.gnu); ctc=$(median 2 < c.tb); xgc=$(median 2 < x.gnu); xtc=$(median 2 < x.tb)
sg=$(stat -c%s gnu.tgz); st=$(stat -c%s tb.tgz)
echo "czf rounds (wall cpu, s): GNU $(tr '\n' ',' < c.gnu) toolbox $(tr '\n' ',' < c.tb)"
echo "xzf rounds (wall cpu, s): GNU $(tr '\n' ',' < x.gnu) toolbox $(tr '\n' ',' < x.tb)"
r() { echo "scale=2; $2 / $1" | bc | sed 's/^\./0./'; }
echo "| operation | GNU tar wall (s) | toolbox wall (s) | ratio | GNU tar cpu (s) | toolbox cpu (s) | ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| tar czf | $cg | $ct | $(r $cg $ct) | $cgc | $ctc | $(r $cgc $ctc) |"
echo "| tar xzf (GNU-made archive) | $xg | $xt | $(r $xg $xt) | $xgc | $xtc | $(r $xgc $xtc) |"
echo "| archive size (bytes) | $sg | $st | $(echo "scale=3; $st / $sg" | bc | sed 's/^\./0./') | | | |"
