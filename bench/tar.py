#!/usr/bin/env python3
"""toolbox tar vs GNU tar: create (to a pipe), list and extract the same
tree, alternating the two tools in each round; prints medians and ratios.

Usage: swift build -c release && bench/tar.py [ROUNDS]
The tree (20,000 empty files, 2,000 files of 16 KiB, one 256 MiB file) is
built under $TMPDIR once and removed at the end.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
HERE = os.path.dirname(os.path.abspath(__file__))
TB = os.environ.get("TOOLBOX_BIN", os.path.join(HERE, "..", ".build", "release", "toolbox"))

work = tempfile.mkdtemp(prefix="tarbench-")
src = os.path.join(work, "src")
os.makedirs(os.path.join(src, "many"))
os.makedirs(os.path.join(src, "mid"))
for i in range(20000):
    open(os.path.join(src, "many", str(i)), "w").close()
blob = os.urandom(16384)
for i in range(2000):
    with open(os.path.join(src, "mid", str(i)), "wb") as f:
        f.write(blob)
with open(os.path.join(src, "big"), "wb") as f:
    for _ in range(256):
        f.write(os.urandom(1 << 20))
archive = os.path.join(work, "a.tar")
subprocess.run(["tar", "cf", archive, "-C", src, "."], check=True)

def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t

cases = {
    "create | cat": ("{t} cf - -C %s . | cat > /dev/null" % src),
    "list (file)": ("{t} tf %s" % archive),
    "extract (file)": ("rm -rf %s/x && mkdir %s/x && {t} xf %s -C %s/x" % (work, work, archive, work)),
}
tools = {"gnu": "tar", "toolbox": TB + " tar"}
results = {c: {k: [] for k in tools} for c in cases}
for _ in range(ROUNDS):
    for c, cmd in cases.items():
        for k, t in tools.items():
            results[c][k].append(run(cmd.format(t=t)))
shutil.rmtree(work)

print("| case | GNU tar median (s) | toolbox median (s) | ratio |")
print("|---|---|---|---|")
for c in cases:
    g = statistics.median(results[c]["gnu"]); o = statistics.median(results[c]["toolbox"])
    print("| %s | %.3f | %.3f | %.2fx |" % (c, g, o, o / g))
