#!/bin/bash
# Start-up time and size of the static binary.
#   bench/startup.sh [ROUNDS]
# Times `toolbox caps --decode 805fb` against `busybox true` with hyperfine,
# ROUNDS rounds (default 5) of both commands in turn, and reports the ratio
# of the medians of all runs. Also prints the stripped binary size.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
swift build -c release >/dev/null
bin=.build/release/toolbox
bb=$(command -v busybox)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
    hyperfine -N --warmup 20 --runs 300 --export-json "$out/r$r.json" \
        "$bin caps --decode 805fb" "$bb true" >/dev/null 2>&1
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, os
d, rounds = sys.argv[1], int(sys.argv[2])
times = {}
for r in range(1, rounds + 1):
    for res in json.load(open(os.path.join(d, f"r{r}.json")))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
meds = {c: statistics.median(t) for c, t in times.items()}
cmds = list(meds)
print(f"| command | runs | median (ms) |")
print(f"| --- | --- | --- |")
for c in cmds:
    print(f"| `{c}` | {len(times[c])} | {meds[c]*1000:.3f} |")
print(f"\nratio toolbox/busybox-true: {meds[cmds[0]]/meds[cmds[1]]:.2f}x")
PY
strip -o "$out/toolbox.stripped" "$bin"
echo "size: unstripped $(stat -c %s "$bin") bytes, stripped $(stat -c %s "$out/toolbox.stripped") bytes"
