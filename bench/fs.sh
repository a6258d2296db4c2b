#!/bin/bash
# Benchmark: toolbox ls -la and find vs GNU ls -la and GNU find, side by side.
#  - ls:   a 100,000-entry directory inside a target root, reached through
#          /proc/PID/root of a sleeping process chrooted there (toolbox), and
#          directly by GNU ls (same directory, same run).
#  - find: a 100,000-file tree (100 dirs x 1,000 files), both through
#          /proc/PID/root (toolbox find) and directly (GNU find).
# Alternating rounds (A, B, A, B ...), medians, ratio toolbox/GNU. Output to /dev/null.
# Usage: bench/fs.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (chroot)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/toolbox-fsbench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
R=$WORK/root
mkdir -p "$R/bin" "$R/big" "$R/tree"
cp "$(command -v busybox)" "$R/bin/busybox"
python3 - "$R" <<'PY'
import os, sys
r = sys.argv[1]
for i in range(100000):
    open(f"{r}/big/file{i:06d}", "w").close()
for d in range(100):
    os.mkdir(f"{r}/tree/d{d:03d}")
    for i in range(1000):
        open(f"{r}/tree/d{d:03d}/f{i:04d}", "w").close()
PY
chroot --userspec=1000:1000 "$R" /bin/busybox sleep 3600 &
PID=$!
sleep 0.5
T=/proc/$PID/root
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

echo "| benchmark | toolbox (median) | GNU (median) | ratio |"
echo "|---|---|---|---|"
bench "ls -la, 100,000 entries (toolbox via /proc/PID/root, GNU direct)" "$BIN" ls -la "$T/big" -- ls -la "$R/big"
bench "ls -la, 100,000 entries, both direct" "$BIN" ls -la "$R/big" -- ls -la "$R/big"
bench "find, 100,000 files (toolbox via /proc/PID/root, GNU direct)" "$BIN" find "$T/tree" -- find "$R/tree"
bench "find -name 'f09*' -type f, 100,000 files (toolbox via /proc/PID/root)" "$BIN" find "$T/tree" -name 'f09*' -type f -- find "$R/tree" -name 'f09*' -type f
bench "find -size -1 -mtime -1 (stat per file), 100,000 files" "$BIN" find "$T/tree" -size -1 -mtime -1 -- find "$R/tree" -size -1 -mtime -1
if [ -x /usr/bin/time ]; then
    rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
    echo
    echo "| peak RSS (KiB) | toolbox | GNU |"
    echo "|---|---|---|"
    echo "| ls -la, 100,000 entries | $(rss "$BIN" ls -la "$T/big") | $(rss ls -la "$R/big") |"
    echo "| find, 100,000 files | $(rss "$BIN" find "$T/tree") | $(rss find "$R/tree") |"
fi
echo
echo "rounds: $ROUNDS, alternating toolbox/GNU; $(uname -r); $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
