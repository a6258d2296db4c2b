#!/bin/bash
# Regenerates Sources/toolbox/startup.order, the lld --symbol-ordering-file
# that puts the code and data touched while starting up next to each other
# (fewer page faults: see bench/results/startup.md).
#   bench/startup-order.sh
# Traces every memory access of `toolbox caps --decode 805fb` and of
# `toolbox sh -c true` with valgrind
# (lackey), maps the addresses to symbols, and writes them in first-touch
# order. Symbols that live in a large input section (Swift.o's single .text
# for the stdlib's internal functions, malloc.o, ...) go last, so that the
# small hot sections pack together in front of them. glibc picks string
# functions by CPU at run time (valgrind's emulated CPU picks others), so every
# variant of a traced string function is listed. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
order=Sources/toolbox/startup.order
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift build -c release -Xlinker -Map="$tmp/map" >/dev/null
bin=.build/release/toolbox
# valgrind 3.19 cannot read the C targets' DWARF 5: trace a copy without
# debug info (same addresses, symbol table kept).
objcopy --strip-debug "$bin" "$tmp/toolbox"
# Two start-ups are budgets (issues 2 and 12): an applet (caps --decode) and
# the shell (sh -c true). The order is caps's first touches, then what the
# shell touches beyond them.
valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/trace1" "$tmp/toolbox" caps --decode 805fb >/dev/null
valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/trace2" "$tmp/toolbox" sh -c true >/dev/null
python3 - "$bin" "$tmp/map" "$tmp/trace1" "$tmp/trace2" >"$tmp/order" <<'PY'
import bisect, re, subprocess, sys
binary, mapfile, traces = sys.argv[1], sys.argv[2], sys.argv[3:]
LARGE = 16384
syms = []
for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 4 and int(p[1], 16) > 0:
        syms.append((int(p[0], 16), int(p[1], 16), p[3]))
syms.sort()
starts = [s[0] for s in syms]
names = [s[2] for s in syms]
# symbol -> (input section, its size) from the lld map
section = {}
cur = None
for line in open(mapfile):
    p = line.split()
    if len(p) != 5: continue
    if ":(" in p[4]: cur = (p[4], int(p[2], 16))
    elif cur: section.setdefault(p[4], cur)
seen, order = set(), []
for line in (l for t in traces for l in open(t)):
    p = line.split()
    if len(p) != 2 or line.startswith("=="): continue
    a = int(p[1].split(",")[0], 16)
    i = bisect.bisect_right(starts, a) - 1
    if i < 0 or a >= starts[i] + syms[i][1]: continue
    n = syms[i][2]
    if n not in seen: seen.add(n); order.append(n)
# all CPU variants of traced glibc string functions (__memmove_avx_unaligned_erms -> __memmove_*)
families = {m.group(1) for n in order if (m := re.match(r"(__(?:mem|str|stp|wcs|wmem|rawmem)[a-z]*)_(?:sse|avx|evex|erms)", n))}
for n in names:
    m = re.match(r"(__(?:mem|str|stp|wcs|wmem|rawmem)[a-z]*)_", n)
    if m and m.group(1) in families and n not in seen: seen.add(n); order.append(n)
small, large, largeSections = [], [], set()
for n in order:
    s = section.get(n)
    if s and s[1] > LARGE:
        if s[0] not in largeSections: largeSections.add(s[0]); large.append(n)
    else: small.append(n)
print("\n".join(small + large))
sys.stderr.write(f"{len(small)} symbols in small sections, {len(large)} large sections last\n")
PY
mv "$tmp/order" "$order"
# SwiftPM does not know the order file is an input: force the relink.
rm -f "$bin" && swift build -c release >/dev/null
echo "wrote $order and relinked $bin"
