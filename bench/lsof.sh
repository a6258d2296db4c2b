#!/bin/bash
# Benchmark: toolbox lsof -p vs Debian's lsof -p on one process holding
# 10,000 descriptors (4,000 files, 2,000 pipes, 1,000 UDP and 1,000 unix
# sockets) and 1,000 threads (issue 16's target), alternating one run of
# each per round; medians of wall and CPU (user+sys) time, ratios
# toolbox/lsof. Output to /dev/null. Last row: bench/floor_lsof.c, the
# fewest system calls that give lsof's descriptor columns, against lsof.
# Usage: bench/lsof.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for t in lsof python3 gcc /usr/bin/time; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
WORK=$(mktemp -d /tmp/toolbox-lsofbench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
gcc -O2 -o "$WORK/floor_lsof" bench/floor_lsof.c
python3 - "$WORK" > "$WORK/pid" <<'PY' &
import os, resource, socket, sys, threading, time
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
threading.stack_size(64 << 10)
for i in range(999):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
print(os.getpid(), flush=True)
time.sleep(3600)
PY
for _ in $(seq 600); do [ -s "$WORK/pid" ] && break; sleep 0.1; done
PID=$(cat "$WORK/pid"); [ -n "$PID" ] || { echo "the fd holder did not start" >&2; exit 1; }
export LC_ALL=C
echo "target: $(ls /proc/$PID/fd | wc -l) fds, $(ls /proc/$PID/task | wc -l) threads; $ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
. bench/alternate.sh
echo
echo "| benchmark | toolbox wall | lsof wall | ratio | toolbox CPU | lsof CPU | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
alternate "lsof -p, 10,000 fds, 1,000 threads" "$BIN" lsof -p "$PID" -- lsof -p "$PID"
alternate "lsof -nP -p, 10,000 fds, 1,000 threads" "$BIN" lsof -nP -p "$PID" -- lsof -nP -p "$PID"
alternate "floor (bench/floor_lsof.c) vs lsof -p" "$WORK/floor_lsof" "$PID" -- lsof -p "$PID"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
