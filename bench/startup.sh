#!/bin/bash
# Start-up time and size of the static binary (issue 2: `toolbox caps
# --decode 805fb` within 1.5x of `busybox true`, stripped size <= 8 MiB).
#   bench/startup.sh [ROUNDS] [RUNS]
#   BASELINE=/path/to/other/toolbox bench/startup.sh   (adds a row for it)
#   BIN=/path/to/toolbox bench/startup.sh   (measures that binary, no build)
# Runs hyperfine ROUNDS times (default 20) with RUNS runs per command
# (default 100), the commands in alternating order from round to round, so
# that load from other processes hits all of them alike; reports the median
# of all runs of each command and its ratio to `busybox true`. The reference
# floor is an empty static Swift program (`import Glibc; exit(0)`, built
# here with the same toolchain and -static-executable). Also prints minor
# page faults (best of 5, GNU time), instructions (valgrind callgrind, if
# installed) and the stripped size.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
runs=${2:-100}
if [ -n "${BIN:-}" ]; then bin=$BIN
else swift build -c release >/dev/null; bin=$PWD/.build/release/toolbox; fi
bb=$(command -v busybox)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf 'import Glibc\nexit(0)\n' >"$out/empty.swift"
swiftc -O -static-executable -Xlinker --gc-sections "$out/empty.swift" -o "$out/empty-swift" 2>/dev/null
cmds=("$bin caps --decode 805fb" "$out/empty-swift" "$bb true")
labels=("toolbox caps --decode 805fb" "empty static Swift program" "busybox true")
if [ -n "${BASELINE:-}" ]; then
    cmds=("$BASELINE caps --decode 805fb" "${cmds[@]}")
    labels=("baseline ($BASELINE) caps --decode 805fb" "${labels[@]}")
fi
# Start from the page cache state of a fresh copy: how many pages one fault
# maps (fault-around, large folios) depends on how the file got into the page
# cache (written by the linker, cp, or read ahead on exec). Evict the three
# binaries so each is read back the same way, by exec.
python3 - "$bin" "$out/empty-swift" "$bb" ${BASELINE:+"$BASELINE"} <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
n=${#cmds[@]}
for r in $(seq "$rounds"); do
    args=()
    if (( r % 2 )); then for ((i = 0; i < n; i++)); do args+=("${cmds[$i]}"); done
    else for ((i = n - 1; i >= 0; i--)); do args+=("${cmds[$i]}"); done; fi
    hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/r$r.json" "${args[@]}" >/dev/null 2>&1
done
faults() { for _ in 1 2 3 4 5; do /usr/bin/time -f %R "$@" 2>&1 >/dev/null; done | sort -n | head -1; }
instructions() {
    command -v valgrind >/dev/null || { echo "-"; return; }
    # valgrind 3.19 cannot read DWARF 5 (the C targets): use a copy without debug info.
    objcopy --strip-debug "$1" "$out/nodebug"; shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/nodebug" "$@" 2>&1 >/dev/null |
        awk '/refs:/ {gsub(",", "", $NF); print $NF}'
}
{
    if [ -n "${BASELINE:-}" ]; then
        echo "baseline $(faults "$BASELINE" caps --decode 805fb) $(instructions "$BASELINE" caps --decode 805fb)"
    fi
    echo "toolbox $(faults "$bin" caps --decode 805fb) $(instructions "$bin" caps --decode 805fb)"
    echo "empty $(faults "$out/empty-swift") $(instructions "$out/empty-swift")"
    echo "busybox $(faults "$bb" true) $(instructions "$bb" true)"
} >"$out/counts"
python3 - "$out" "$rounds" "${#cmds[@]}" "${cmds[@]}" "${labels[@]}" <<'PY'
import json, os, statistics, sys
d, rounds, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cmds, labels = sys.argv[4:4 + n], sys.argv[4 + n:]
times = {}
for r in range(1, rounds + 1):
    for res in json.load(open(os.path.join(d, f"r{r}.json")))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
counts = [l.split()[1:] for l in open(os.path.join(d, "counts"))]
base = statistics.median(times[cmds[-1]])
print("| command | runs | median (ms) | ratio to busybox true | minor faults | instructions |")
print("| --- | --- | --- | --- | --- | --- |")
for label, c, (f, ir) in zip(labels, cmds, counts):
    m = statistics.median(times[c])
    print(f"| `{label}` | {len(times[c])} | {m*1000:.3f} | {m/base:.2f}x | {f} | {ir} |")
PY
strip -o "$out/toolbox.stripped" "$bin"
size=$(stat -c %s "$out/toolbox.stripped")
echo
echo "stripped size: $size bytes ($(python3 -c "print(f'{$size/1048576:.2f}')") MiB; limit 10 MiB since issues 12-14)"
