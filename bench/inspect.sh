#!/bin/bash
# inspect benchmark (issue 16): a process with FDS descriptors and THREADS
# threads (bench/fdhog.c); times `toolbox inspect PID` (the default: every
# section, with its 0.5 s CPU sample), `toolbox inspect --interval 0 PID`
# (the same without the sample's wait, which is by design),
# `toolbox inspect --interval 0 PID fds`, and lsof -p PID as a reference,
# alternating one run of each per round; prints medians as a markdown table.
#
#   swift build -c release && bench/inspect.sh          # 10000 fds, 1000 threads, 15 rounds
#   FDS=2000 THREADS=100 ROUNDS=21 bench/inspect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FDS=${FDS:-10000}
THREADS=${THREADS:-1000}
ROUNDS=${ROUNDS:-15}
TOOLBOX=${TOOLBOX:-$PWD/.build/release/toolbox}
[ -x "$TOOLBOX" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for t in gcc lsof; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
WORK=$(mktemp -d /tmp/inspect-bench.XXXXXX)
HOG=
cleanup() { [ -n "$HOG" ] && kill "$HOG" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
gcc -O2 -pthread -o "$WORK/fdhog" bench/fdhog.c
"$WORK/fdhog" "$FDS" "$THREADS" > "$WORK/ready" &
HOG=$!
for _ in $(seq 1 100); do grep -q ready "$WORK/ready" 2>/dev/null && break; sleep 0.05; done
nfd=$(ls /proc/$HOG/fd | wc -l); nth=$(awk '/^Threads/ {print $2}' /proc/$HOG/status)

NAMES=(inspect_default inspect inspect_fds tb_lsof lsof)
declare -A CMD TIMES CPU
CMD[inspect_default]="$TOOLBOX inspect $HOG"
CMD[inspect]="$TOOLBOX inspect --interval 0 $HOG"
CMD[inspect_fds]="$TOOLBOX inspect --interval 0 $HOG fds"
CMD[tb_lsof]="$TOOLBOX lsof -p $HOG"
CMD[lsof]="lsof -p $HOG"
for r in $(seq 1 "$ROUNDS"); do
    for name in "${NAMES[@]}"; do
        s=$(date +%s%N); /usr/bin/time -f "%U %S" -o "$WORK/t" ${CMD[$name]} > /dev/null 2>&1 || true; e=$(date +%s%N)
        TIMES[$name]+="$(( (e - s) / 1000 )) "
        CPU[$name]+="$(awk '{printf "%d", ($1 + $2) * 1000000}' "$WORK/t") "
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "target: $nfd fds, $nth threads; $ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | median wall ms | median CPU (user+sys) ms |"
echo "| --- | ---: | ---: |"
for name in "${NAMES[@]}"; do
    m=$(echo "${TIMES[$name]}" | median); c=$(echo "${CPU[$name]}" | median)
    cmd=${CMD[$name]/$HOG/PID}; cmd=${cmd/$TOOLBOX/toolbox}
    printf '| `%s` | %d.%01d | %d |\n' "$cmd" $((m / 1000)) $(( (m % 1000) / 100 )) $((c / 1000))
done
