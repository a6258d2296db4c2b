#!/bin/bash
# toolbox sh against its peers (issue 12):
#   1. start-up: `toolbox sh -c true` vs `busybox sh -c true` (and dash)
#   2. a 100,000-iteration loop with arithmetic and a builtin vs dash
#   3. `ps -ef | grep x | wc -l` in toolbox sh vs busybox sh with busybox applets
#   bench/sh.sh [ROUNDS] [RUNS]
#   ONLY='startup|pipeline' bench/sh.sh   (only the benchmarks whose name matches)
# hyperfine ROUNDS times (default 10), RUNS runs per command per round,
# commands in alternating order from round to round; reports the median of
# all runs of each command and the ratio of medians to the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
runs=${2:-20}
bin=${BIN:-$PWD/.build/release/toolbox}   # BIN=path: measure that binary
bb=$(command -v busybox)
dash=$(command -v dash)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
loop='i=0; while [ $i -lt 100000 ]; do i=$((i+1)); : ; done'
# toolbox sh runs ps (and grep, wc once they are applets) without exec;
# busybox sh is given busybox's applets explicitly.
pipe_tb='ps -ef | grep x | wc -l'
pipe_bb="$bb ps -ef | $bb grep x | $bb wc -l"
bench() {   # name, then command pairs label=command
    local name=$1; shift
    [[ $name =~ ^(${ONLY:-.*})$ ]] || return 0
    local cmds=("$@") n=$#
    for r in $(seq "$rounds"); do
        local args=()
        if (( r % 2 )); then for ((i = 0; i < n; i++)); do args+=("${cmds[$i]#*=}"); done
        else for ((i = n - 1; i >= 0; i--)); do args+=("${cmds[$i]#*=}"); done; fi
        hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/$name-$r.json" "${args[@]}" >/dev/null 2>&1
    done
    python3 - "$out" "$name" "${cmds[@]}" <<'PY'
import json, glob, statistics, sys
out, name, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
times = {}
for f in glob.glob(f"{out}/{name}-*.json"):
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
labels = [p.split("=", 1)[0] for p in pairs]
cmds = [p.split("=", 1)[1] for p in pairs]
peer = statistics.median(times[cmds[-1]])
for label, cmd in zip(labels, cmds):
    m = statistics.median(times[cmd])
    print(f"| {name} | {label} | {m*1000:.2f} ms | {m/peer:.2f}x |")
PY
}
echo "| benchmark | command | median | ratio to the last row |"
echo "|---|---|---|---|"
bench startup "toolbox sh -c true=$bin sh -c true" "dash -c true=$dash -c true" "busybox sh -c true=$bb sh -c true"
bench loop "toolbox sh (100k loop)=$bin sh -c '$loop'" "busybox sh (100k loop)=$bb sh -c '$loop'" "dash (100k loop)=$dash -c '$loop'"
bench pipeline "toolbox sh: $pipe_tb=$bin sh -c '$pipe_tb'" "busybox sh: busybox applets=$bb sh -c '$pipe_bb'"
echo
echo "applets among grep/wc in this build: $("$bin" --list | grep -cx -e grep -e wc) of 2 (the rest are exec'd from PATH)"
