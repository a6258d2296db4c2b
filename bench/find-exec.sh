#!/bin/bash
# Benchmark: toolbox find -exec ... + vs GNU find -exec ... + over 100,000
# files (100 dirs x 1,000 files), side by side. GNU runs /bin/true and
# /bin/echo (exec); toolbox runs its applets true and echo in the child
# without exec. Also -exec true {} \; over 2,000 files (one child per file).
# Alternating rounds (A, B, A, B ...), medians, ratio toolbox/GNU.
# Usage: bench/find-exec.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
WORK=$(mktemp -d /tmp/toolbox-findexec.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" <<'PY'
import os, sys
r = sys.argv[1]
for d in range(100):
    os.makedirs(f"{r}/tree/d{d:03d}")
    for i in range(1000):
        open(f"{r}/tree/d{d:03d}/f{i:04d}", "w").close()
os.makedirs(f"{r}/small")
for i in range(2000):
    open(f"{r}/small/f{i:04d}", "w").close()
PY
export LC_ALL=C

now_ns() { date +%s%N; }
time_one() { local s e; s=$(now_ns); "$@" >/dev/null 2>&1; e=$(now_ns); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() { # name, cmdA (toolbox) ..., --, cmdB (GNU) ...
    local name=$1; shift
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >/dev/null; "${b[@]}" >/dev/null   # warm the caches
    local ta=() tb=()
    for ((i = 0; i < ROUNDS; i++)); do
        ta+=("$(time_one "${a[@]}")"); tb+=("$(time_one "${b[@]}")")
    done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | median); mb=$(printf '%s\n' "${tb[@]}" | median)
    awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.2fx |\n", n, a / 1000, b / 1000, a / b }'
}

echo "| benchmark | toolbox (median) | GNU find (median) | ratio |"
echo "|---|---|---|---|"
bench "find DIR -exec true {} +, 100,000 files" "$BIN" find "$WORK/tree" -exec true {} + -- find "$WORK/tree" -exec true {} +
bench "find DIR -exec echo {} +, 100,000 files" "$BIN" find "$WORK/tree" -exec echo {} + -- find "$WORK/tree" -exec echo {} +
bench "find DIR -execdir true {} +, 100,000 files" "$BIN" find "$WORK/tree" -execdir true {} + -- find "$WORK/tree" -execdir true {} +
bench "find DIR -exec true {} \\;, 2,000 files" "$BIN" find "$WORK/small" -exec true {} \; -- find "$WORK/small" -exec true {} \;
