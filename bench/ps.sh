#!/bin/bash
# ps benchmark: starts N idle processes with distinct command lines, then
# times `toolbox ps -ef`, procps `ps -ef`, `busybox ps`, `toybox ps -ef` and
# a C floor (bench/floor_ps.c) side by side, alternating one run of each per
# round, and prints medians, ratios and peak RSS as a markdown table.
#
#   swift build -c release && bench/ps.sh            # 5000 processes, 15 rounds
#   N=10000 ROUNDS=21 bench/ps.sh
#   BENCH_UID=0 bench/ps.sh                           # the idle processes run as root
#
# The idle processes run as BENCH_UID (default 1000, like an app container's
# user) and are killed on exit, whatever happens (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
ROUNDS=${ROUNDS:-15}
BENCH_UID=${BENCH_UID:-1000}
TOOLBOX=${TOOLBOX:-$PWD/.build/release/toolbox}
[ -x "$TOOLBOX" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for t in gcc setpriv busybox toybox /usr/bin/time; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done

WORK=$(mktemp -d /tmp/ps-bench.XXXXXX)
PIDS=()
cleanup() {
    if [ ${#PIDS[@]} -gt 0 ]; then kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

gcc -O2 -static -o "$WORK/idle" bench/idle.c
gcc -O2 -o "$WORK/floor_ps" bench/floor_ps.c
chmod 755 "$WORK" "$WORK/idle"

echo "starting $N idle processes as uid $BENCH_UID..." >&2
for i in $(seq 1 "$N"); do
    setpriv --reuid "$BENCH_UID" --regid "$BENCH_UID" --clear-groups "$WORK/idle" worker --id "$i" --queue "q$((i % 7))" &
    PIDS+=($!)
done
# Wait until every one has exec'd.
for _ in $(seq 1 200); do
    n=$( (grep -l -s -F "$WORK/idle" /proc/[0-9]*/cmdline 2>/dev/null || true) | wc -l)
    [ "$n" -ge "$N" ] && break
    sleep 0.1
done
total=$( (ls -d /proc/[0-9]* 2>/dev/null || true) | wc -l)

declare -A CMD
NAMES=(toolbox toolbox1 procps busybox toybox floor)
CMD[toolbox]="$TOOLBOX ps -ef"
# The same with its scan on one thread (TOOLBOX_PS_THREADS=1).
CMD[toolbox1]="env TOOLBOX_PS_THREADS=1 $TOOLBOX ps -ef"
CMD[procps]="ps -ef"
CMD[busybox]="busybox ps"
CMD[toybox]="toybox ps -ef"
CMD[floor]="$WORK/floor_ps"
declare -A TIMES

for r in $(seq 1 "$ROUNDS"); do
    for name in "${NAMES[@]}"; do
        s=$(date +%s%N)
        ${CMD[$name]} > /dev/null
        e=$(date +%s%N)
        TIMES[$name]+="$(( (e - s) / 1000 )) "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -A MED RSS
for name in "${NAMES[@]}"; do
    MED[$name]=$(echo "${TIMES[$name]}" | median)
    r=""
    for _ in 1 2 3; do r+="$(/usr/bin/time -f %M ${CMD[$name]} 2>&1 >/dev/null | tail -1) "; done
    RSS[$name]=$(echo "$r" | median)
done

lines=$("$TOOLBOX" ps -ef | wc -l)
echo "| command | median wall (ms) | vs procps | vs busybox | vs floor | peak RSS (KB) | RSS vs procps |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for name in "${NAMES[@]}"; do
    awk -v n="${CMD[$name]}" -v m="${MED[$name]}" -v p="${MED[procps]}" -v b="${MED[busybox]}" -v f="${MED[floor]}" \
        -v r="${RSS[$name]}" -v rp="${RSS[procps]}" \
        'BEGIN { printf "| `%s` | %.1f | %.2fx | %.2fx | %.2fx | %d | %.2fx |\n", n, m/1000, m/p, m/b, m/f, r, r/rp }' \
        | sed "s#$WORK#\$WORK#g"
done
echo
echo "$N idle processes (uid $BENCH_UID), $total processes in /proc, $lines lines of \`toolbox ps -ef\`, $ROUNDS alternating rounds; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); kernel $(uname -r)."
