#!/bin/bash
# Benchmark: toolbox lsof -p vs Debian's lsof -p on one process holding
# 10,000 descriptors (files, pipes, sockets), alternating rounds, medians,
# ratio toolbox/lsof. Output to /dev/null.
# Usage: bench/lsof.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
WORK=$(mktemp -d /tmp/toolbox-lsofbench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
python3 - "$WORK" > "$WORK/pid" <<'PY' &
import os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
d = sys.argv[1]
keep = []
for i in range(4000):
    keep.append(open(f"{d}/f{i}", "w"))
for i in range(2000):
    keep.extend(os.pipe())
for i in range(1000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); keep.append(s)
for i in range(1000):
    keep.append(socket.socket(socket.AF_UNIX))
print(os.getpid(), flush=True)
time.sleep(3600)
PY
for _ in $(seq 600); do [ -s "$WORK/pid" ] && break; sleep 0.1; done
PID=$(cat "$WORK/pid"); [ -n "$PID" ] || { echo "the fd holder did not start" >&2; exit 1; }
echo "descriptors: $(ls /proc/$PID/fd | wc -l)" >&2
export LC_ALL=C

now_ns() { date +%s%N; }
time_one() { local s e; s=$(now_ns); "$@" >/dev/null 2>&1; e=$(now_ns); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bench() {
    local name=$1; shift
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >/dev/null 2>&1 || true; "${b[@]}" >/dev/null 2>&1 || true
    local ta=() tb=()
    for ((i = 0; i < ROUNDS; i++)); do ta+=("$(time_one "${a[@]}")"); tb+=("$(time_one "${b[@]}")"); done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | median); mb=$(printf '%s\n' "${tb[@]}" | median)
    awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.2fx |\n", n, a / 1000, b / 1000, a / b }'
}
echo "| benchmark | toolbox (median) | lsof (median) | ratio |"
echo "|---|---|---|---|"
bench "lsof -p, 10,000 fds" "$BIN" lsof -p "$PID" -- lsof -p "$PID"
bench "lsof -nP -p, 10,000 fds" "$BIN" lsof -nP -p "$PID" -- lsof -nP -p "$PID"
