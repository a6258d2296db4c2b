#!/bin/bash
# Benchmark: toolbox top -b -n 1 vs procps top -b -n 1 with 5,000 more
# sleeping processes, alternating one run of each per round; medians of
# wall and CPU (user+sys) time, ratios toolbox/procps. Both wait 0.15 s
# between their two scans (the first frame's CPU sample: procps's
# LIB_USLEEP), which the wall figures include. Output to /dev/null. Last
# rows: bench/floor_top.c (two stat reads, statm and the owner per process
# with the fewest calls; `kr`: plus /proc/PID/root's identity, which toolbox
# names users by) against procps.
# Usage: bench/top.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for t in top gcc /usr/bin/time; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
PIDS=()
WORK=$(mktemp -d /tmp/toolbox-topbench.XXXXXX)
cleanup() { [ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
gcc -O2 -o "$WORK/floor_top" bench/floor_top.c
for ((i = 0; i < 5000; i++)); do sleep 3600 & PIDS+=($!); done
export LC_ALL=C
echo "processes: $(ls -d /proc/[0-9]* | wc -l); $ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
. bench/alternate.sh
echo
echo "| benchmark | toolbox wall | procps wall | ratio | toolbox CPU | procps CPU | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
alternate "top -b -n 1, 5,000 processes" "$BIN" top -b -n 1 -- top -b -n 1
alternate "top -b -n 1 -w -c, 5,000 processes" "$BIN" top -b -n 1 -w -c -- top -b -n 1 -w -c
alternate "floor k (bench/floor_top.c) vs top -b -n 1" "$WORK/floor_top" k -- top -b -n 1
alternate "floor kr (bench/floor_top.c) vs top -b -n 1" "$WORK/floor_top" kr -- top -b -n 1
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
