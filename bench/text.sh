#!/bin/bash
# Benchmark: toolbox grep / wc / sort / tail -f vs GNU grep 3.8, GNU coreutils
# and busybox, side by side. Inputs are generated here (in a temp directory,
# deleted at exit):
#  - a 500 MB log of varied lines (levels, ids, paths; "error" in ~1% of
#    lines, "warn" in ~2%, "word" in ~0.5%), and the same log doubled (1 GB);
#  - 2,000,000 random lines for sort (words and numbers).
# Alternating rounds (toolbox, peer, toolbox, peer ...), medians, ratio
# toolbox/peer. Output goes to a file (GNU grep treats >/dev/null as -q).
# tail -f latency: bench/tail-latency.py (append a line, time until it shows).
# Usage: bench/text.sh [ROUNDS]   (build first: swift build -c release)
# ONLY=REGEX runs only the benchmarks whose name matches (the tail -f rows always run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v busybox >/dev/null || { echo "busybox is needed (apt-get install busybox-static)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/toolbox-textbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C

python3 - "$WORK" <<'PY'
import random, sys
w = sys.argv[1]
random.seed(13)
levels = ["INFO"] * 80 + ["DEBUG"] * 14 + ["WARN"] * 3 + ["ERROR"] * 3
paths = ["/api/v1/items", "/api/v1/users", "/healthz", "/metrics", "/api/v2/orders", "/static/app.js"]
msgs = ["request served", "cache hit", "cache miss", "connection reused", "slow query detected",
        "retrying upstream", "user session refreshed", "payload validated"]
lines = []
for i in range(20000):
    lvl = random.choice(levels)
    msg = random.choice(msgs)
    r = random.random()
    if r < 0.01: msg = "error: upstream returned 502"
    elif r < 0.03: msg = "warn: pool nearly exhausted"
    elif r < 0.035: msg = "the magic word appears"
    lines.append("2024-05-%02dT%02d:%02d:%02d.%03dZ %-5s [worker-%d] %s id=%d path=%s status=%d duration=%dms\n" % (
        1 + i % 28, i % 24, i % 60, (i * 7) % 60, i % 1000, lvl, i % 32, msg, random.randrange(10**9),
        random.choice(paths), random.choice([200, 200, 200, 204, 301, 404, 500]), random.randrange(2000)))
chunk = "".join(lines).encode()
with open(w + "/log500", "wb") as f:
    n = 0
    while n < 500 * 1000 * 1000:
        f.write(chunk); n += len(chunk)
words = ["alpha", "beta", "gamma", "delta", "kube", "pod", "node", "java", "python", "error", "zeta"]
with open(w + "/sort2m", "w") as f:
    for i in range(2000000):
        f.write("%s %d %s\n" % (random.choice(words), random.randrange(10**6), random.choice(words)))
PY
cat "$WORK/log500" "$WORK/log500" > "$WORK/log1g"

now_ns() { date +%s%N; }
time_one() { local s e; s=$(now_ns); "$@" >"$WORK/out" 2>&1 || true; e=$(now_ns); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() { # name, peer label, cmdA (toolbox) ..., --, cmdB (peer) ...
    local name=$1 peer=$2; shift 2
    if [ -n "${ONLY:-}" ] && ! [[ "$name" =~ $ONLY ]]; then return; fi
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >"$WORK/out" 2>&1 || true; "${b[@]}" >"$WORK/out" 2>&1 || true   # warm the page cache
    local ta=() tb=()
    for ((i = 0; i < ROUNDS; i++)); do
        ta+=("$(time_one "${a[@]}")"); tb+=("$(time_one "${b[@]}")")
    done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | median); mb=$(printf '%s\n' "${tb[@]}" | median)
    awk -v n="$name" -v p="$peer" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %s | %s | %.1f ms | %.1f ms | %.2fx |\n", n, p, a / 1000, b / 1000, a / b }'
}

L=$WORK/log500; G=$WORK/log1g; S=$WORK/sort2m
echo "| benchmark | peer | toolbox (median) | peer (median) | ratio |"
echo "|---|---|---|---|---|"
bench "grep -F word, 500 MB log" "GNU grep 3.8" "$BIN" grep -F word "$L" -- grep -F word "$L"
bench "grep -E 'err(or)?\|warn', 500 MB log" "GNU grep 3.8" "$BIN" grep -E 'err(or)?|warn' "$L" -- grep -E 'err(or)?|warn' "$L"
bench "grep -E 'err(or)?\|warn', 500 MB log" "busybox grep" "$BIN" grep -E 'err(or)?|warn' "$L" -- busybox grep -E 'err(or)?|warn' "$L"
bench "grep -c error, 1 GB log" "GNU grep 3.8" "$BIN" grep -c error "$G" -- grep -c error "$G"
bench "wc -l, 1 GB log" "GNU wc 9.1" "$BIN" wc -l "$G" -- wc -l "$G"
bench "sort, 2,000,000 lines" "GNU sort --parallel=1" "$BIN" sort "$S" -- sort --parallel=1 "$S"
bench "sort, 2,000,000 lines" "busybox sort" "$BIN" sort "$S" -- busybox sort "$S"
bench "sort -k2,2n, 2,000,000 lines" "GNU sort --parallel=1" "$BIN" sort -k2,2n "$S" -- sort --parallel=1 -k2,2n "$S"
python3 bench/tail-latency.py "$BIN" "$WORK"
