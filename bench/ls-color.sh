#!/bin/bash
# Benchmark: toolbox ls --color=always -la vs GNU ls --color=always -la on a
# directory of 100,000 entries (regular files with dircolors-coloured
# extensions, executables, directories, symlinks), output to /dev/null.
# LS_COLORS is Debian's `dircolors -b` default (the hot path: ~300 suffixes
# per regular file). Alternating rounds (A, B, A, B ...), medians, ratio
# toolbox/GNU. Both read the same directory directly, and toolbox also
# through /proc/PID/root of a process chrooted there.
# Usage: bench/ls-color.sh [ROUNDS]   (build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-11}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
WORK=$(mktemp -d /tmp/toolbox-lscolor.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
R=$WORK/root
mkdir -p "$R/bin" "$R/big"
python3 - "$R/big" <<'PY'
import os, sys
d = sys.argv[1]
exts = [".c", ".txt", ".jpg", ".tar.gz", ".log", ".md", ".JPG", ".py", ".mp3", ""]
for i in range(100000):
    k = i % 50
    name = f"{d}/entry{i:06d}"
    if k == 0:
        os.mkdir(name)
    elif k == 1:
        os.symlink(f"entry{i-1:06d}", name)
    elif k == 2:
        open(name, "w").close(); os.chmod(name, 0o755)
    else:
        open(name + exts[i % len(exts)], "w").close()
PY
if [ "$(id -u)" = 0 ] && command -v busybox >/dev/null; then
    cp "$(command -v busybox)" "$R/bin/busybox"
    chroot "$R" /bin/busybox sleep 3600 &
    PID=$!
    sleep 0.5
fi
export LC_ALL=C TZ=UTC
eval "$(dircolors -b)"
export LS_COLORS

now_ns() { date +%s%N; }
time_one() { local s e; s=$(now_ns); "$@" >/dev/null 2>&1; e=$(now_ns); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() { # name, cmdA (toolbox) ..., --, cmdB (GNU) ...
    local name=$1; shift
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >/dev/null; "${b[@]}" >/dev/null   # warm the caches
    local ta=() tb=()
    for ((i = 0; i < ROUNDS; i++)); do
        ta+=("$(time_one "${a[@]}")"); tb+=("$(time_one "${b[@]}")")
    done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | median); mb=$(printf '%s\n' "${tb[@]}" | median)
    awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.2fx |\n", n, a / 1000, b / 1000, a / b }'
}

# Same bytes first (the comparison is meaningless otherwise).
cmp <("$BIN" ls --color=always -la "$R/big") <(ls --color=always -la "$R/big") || { echo "outputs differ" >&2; exit 1; }
echo "| benchmark | toolbox (median) | GNU (median) | ratio |"
echo "|---|---|---|---|"
bench "ls --color=always -la, 100,000 entries" "$BIN" ls --color=always -la "$R/big" -- ls --color=always -la "$R/big"
bench "ls -la, 100,000 entries (no colour)" "$BIN" ls -la "$R/big" -- ls -la "$R/big"
if [ -n "$PID" ]; then
    bench "ls --color=always -la, 100,000 entries (toolbox via /proc/PID/root)" "$BIN" ls --color=always -la "/proc/$PID/root/big" -- ls --color=always -la "$R/big"
fi
