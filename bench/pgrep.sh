#!/bin/bash
# pgrep benchmark: starts N idle processes (bench/idle.c) with distinct
# command lines, as bench/ps.sh does, then times `toolbox pgrep` against
# procps pgrep on three selections, alternating one run of each per round,
# and prints medians and ratios as a markdown table:
#   pgrep idle            name match (comm: /proc/PID/stat only)
#   pgrep -f queue.q3    command-line match (also /proc/PID/cmdline)
#   pgrep -u UID -c       owner filter and count (status for real ids not needed)
# Both must print the same PIDs (checked once before timing).
#
#   swift build -c release && bench/pgrep.sh            # 5000 processes, 15 rounds
#   N=10000 ROUNDS=21 bench/pgrep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
ROUNDS=${ROUNDS:-15}
BENCH_UID=${BENCH_UID:-1000}
TOOLBOX=${TOOLBOX:-$PWD/.build/release/toolbox}
[ -x "$TOOLBOX" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for t in gcc setpriv pgrep; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/pgrep-bench.XXXXXX)
PIDS=()
cleanup() {
    if [ ${#PIDS[@]} -gt 0 ]; then kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

gcc -O2 -static -o "$WORK/idle" bench/idle.c
chmod 755 "$WORK" "$WORK/idle"
echo "starting $N idle processes as uid $BENCH_UID..." >&2
for i in $(seq 1 "$N"); do
    setpriv --reuid "$BENCH_UID" --regid "$BENCH_UID" --clear-groups "$WORK/idle" worker --id "$i" --queue "q$((i % 7))" &
    PIDS+=($!)
done
for _ in $(seq 1 200); do
    n=$( (grep -l -s -F "$WORK/idle" /proc/[0-9]*/cmdline 2>/dev/null || true) | wc -l)
    [ "$n" -ge "$N" ] && break
    sleep 0.1
done
total=$( (ls -d /proc/[0-9]* 2>/dev/null || true) | wc -l)

CASES=("idle" "-f queue.q3" "-u $BENCH_UID -c")
for c in "${CASES[@]}"; do
    a=$(pgrep $c || true); b=$("$TOOLBOX" pgrep $c || true)
    [ "$a" = "$b" ] || { echo "outputs differ for pgrep $c" >&2; exit 1; }
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
echo "| selection | toolbox median (ms) | procps pgrep median (ms) | toolbox / procps |"
echo "|---|---:|---:|---:|"
for c in "${CASES[@]}"; do
    T=""; P=""
    for r in $(seq 1 "$ROUNDS"); do
        s=$(date +%s%N); "$TOOLBOX" pgrep $c > /dev/null || true; e=$(date +%s%N); T+="$(( (e - s) / 1000 )) "
        s=$(date +%s%N); pgrep $c > /dev/null || true; e=$(date +%s%N); P+="$(( (e - s) / 1000 )) "
    done
    mt=$(echo "$T" | median); mp=$(echo "$P" | median)
    awk -v c="pgrep $c" -v t="$mt" -v p="$mp" 'BEGIN { printf "| `%s` | %.1f | %.1f | %.2fx |\n", c, t/1000, p/1000, t/p }'
done
echo
echo "$N idle processes ($total in /proc), $ROUNDS alternating rounds, $(nproc) CPUs, kernel $(uname -r)."
