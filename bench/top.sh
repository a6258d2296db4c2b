#!/bin/bash
# Benchmark: toolbox top -b -n 1 vs procps top -b -n 1 with 5,000 sleeping
# processes (both sleep 0.15 s for their first CPU sample), alternating
# rounds, medians, ratio toolbox/procps. Output to /dev/null.
# Usage: bench/top.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
PIDS=()
cleanup() { [ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null || true; }
trap cleanup EXIT
for ((i = 0; i < 5000; i++)); do sleep 3600 & PIDS+=($!); done
echo "processes: $(ls -d /proc/[0-9]* | wc -l)" >&2
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
echo "| benchmark | toolbox (median) | procps top (median) | ratio |"
echo "|---|---|---|---|"
bench "top -b -n 1, 5,000 processes" "$BIN" top -b -n 1 -- top -b -n 1
