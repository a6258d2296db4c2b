#!/bin/bash
# inspect benchmark (issue 16): a process with FDS descriptors and THREADS
# threads (bench/fdhog.c); times `toolbox inspect PID` (the default: every
# section, with its 0.5 s CPU sample), `toolbox inspect --interval 0 PID`
# (the same without the sample's wait, which is by design),
# `toolbox inspect --interval 0 PID fds`, and lsof -p PID as a reference,
# alternating one run of each per round; prints medians as a markdown table:
# wall, wall minus the time the process waited on a CPU run queue (what the
# wall is on an idle machine: run time plus blocked time; bench/schedwait.c
# reads the main thread's /proc/PID/schedstat before reaping it), CPU.
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
declare -A CMD TIMES CPU WAIT
CMD[inspect_default]="$TOOLBOX inspect $HOG"
CMD[inspect]="$TOOLBOX inspect --interval 0 $HOG"
CMD[inspect_fds]="$TOOLBOX inspect --interval 0 $HOG fds"
CMD[tb_lsof]="$TOOLBOX lsof -p $HOG"
CMD[lsof]="lsof -p $HOG"
# bench/schedwait.c: wall, run time, run-queue wait, blocked time, CPU of each run.
gcc -O2 -o "$WORK/schedwait" bench/schedwait.c
for r in $(seq 1 "$ROUNDS"); do
    for name in "${NAMES[@]}"; do
        read -r wall run wait other cpu < <("$WORK/schedwait" ${CMD[$name]} 2>&1 >/dev/null | tail -1)
        TIMES[$name]+="$wall "; CPU[$name]+="$cpu "; WAIT[$name]+="$(awk -v w="$wall" -v q="$wait" 'BEGIN {print w - q}') "
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "target: $nfd fds, $nth threads; $ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | median wall ms | median wall - run-queue wait ms | median CPU (user+sys) ms |"
echo "| --- | ---: | ---: | ---: |"
for name in "${NAMES[@]}"; do
    m=$(echo "${TIMES[$name]}" | median); x=$(echo "${WAIT[$name]}" | median); c=$(echo "${CPU[$name]}" | median)
    cmd=${CMD[$name]/$HOG/PID}; cmd=${cmd/$TOOLBOX/toolbox}
    printf '| `%s` | %s | %s | %s |\n' "$cmd" "$m" "$x" "$c"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
