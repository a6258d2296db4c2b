#!/bin/bash
# Benchmark: toolbox netstat against net-tools netstat, busybox netstat and
# iproute2 ss with >= 100,000 loopback TCP connections (IPv4 and IPv6).
#
#   swift build -c release && bench/netstat.sh
#
# Environment: PROCS (connection-holding processes, default 12), PER
# (connections per process, default 9000: 2*PER sockets must stay under
# RLIMIT_NOFILE, 20000 here), ROUNDS (default 5), OUT (results file,
# default bench/results/netstat.md), TOOLBOX_BIN.
#
# Every round runs each command of a group once, in a rotating order
# (alternating, not one batch per command); the table gives the median of
# the rounds and its ratio to ss (to cat for --source=proc). Output goes to
# /dev/null. The connections are closed on exit (trap), whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
PROCS=${PROCS:-12}
PER=${PER:-9000}
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-bench/results/netstat.md}
TB=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
PY=${PYTHON:-python3}
[ -x "$TB" ] || { echo "no $TB: run swift build -c release first" >&2; exit 1; }
for c in netstat ss busybox "$PY"; do command -v "$c" >/dev/null || { echo "missing $c" >&2; exit 1; }; done

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "opening $((PROCS * PER)) connections in $PROCS processes..." >&2
for i in $(seq 0 $((PROCS - 1))); do
    fam=$(( i % 2 == 0 ? 4 : 6 ))
    "$PY" bench/netstat-conns.py "$fam" "$PER" "$i" > "$tmp/ready$i" &
    pids+=($!)
done
for i in $(seq 0 $((PROCS - 1))); do
    until grep -q ready "$tmp/ready$i" 2>/dev/null; do
        kill -0 "${pids[$i]}" 2>/dev/null || { echo "helper $i died" >&2; exit 1; }
        sleep 0.5
    done
done
rows=$("$TB" netstat -tan | wc -l)
ntrows=$(netstat -tan | wc -l)
echo "ready: toolbox netstat -tan prints $rows lines, net-tools $ntrows" >&2

"$PY" - "$TB" "$ROUNDS" "$OUT" "$rows" "$ntrows" "$PROCS" "$PER" <<'EOF'
import os, statistics, subprocess, sys, time, datetime, platform
tb, rounds, out, rows, ntrows, procs, per = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
groups = [
    ("-tan", "ss", [("toolbox netstat -tan", [tb, "netstat", "-tan"]),
                    ("netstat -tan (net-tools)", ["netstat", "-tan"]),
                    ("busybox netstat -tan", ["busybox", "netstat", "-tan"]),
                    ("ss -tan", ["ss", "-tan"])]),
    ("-tln", "ss", [("toolbox netstat -tln", [tb, "netstat", "-tln"]),
                    ("netstat -tln (net-tools)", ["netstat", "-tln"]),
                    ("busybox netstat -tln", ["busybox", "netstat", "-tln"]),
                    ("ss -tln", ["ss", "-tln"])]),
    ("-tanp", "ss", [("toolbox netstat -tanp", [tb, "netstat", "-tanp"]),
                     ("netstat -tanp (net-tools)", ["netstat", "-tanp"]),
                     ("ss -tanp", ["ss", "-tanp"])]),
    ("/proc", "cat", [("toolbox netstat --source=proc -tan", [tb, "netstat", "--source=proc", "-tan"]),
                      ("toolbox netstat --source=netlink -tan", [tb, "netstat", "--source=netlink", "-tan"]),
                      ("cat /proc/net/tcp /proc/net/tcp6", ["cat", "/proc/net/tcp", "/proc/net/tcp6"])]),
]
devnull = open(os.devnull, "w")
def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=devnull, stderr=devnull)
    return time.perf_counter() - t
def rss(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=devnull, stderr=subprocess.PIPE, text=True)
    return r.stderr.strip().splitlines()[-1] if os.path.exists("/usr/bin/time") else "-"
lines = []
lines.append("# netstat benchmark\n")
lines.append(f"- date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC; kernel {platform.release()}; {os.cpu_count()} CPUs shared with other jobs (load average at start {os.getloadavg()[0]:.1f})")
lines.append(f"- sockets: {procs} processes x {per} loopback TCP connections (both ends held, half IPv4 with sources 127.0.0.2.., half IPv6 ::1): `toolbox netstat -tan` prints {rows} lines, net-tools {ntrows}")
lines.append(f"- {rounds} rounds; each round runs every command of a group once, in a rotating order; medians; output to /dev/null")
lines.append("- command: `swift build -c release && bench/netstat.sh` (see the script header for PROCS, PER, ROUNDS)\n")
lines.append("| group | command | median (ms) | ratio | peak RSS (KiB) |")
lines.append("|---|---|---:|---:|---:|")
for name, ref, cmds in groups:
    times = {label: [] for label, _ in cmds}
    for r in range(rounds):
        k = r % len(cmds)
        for label, cmd in cmds[k:] + cmds[:k]:
            times[label].append(once(cmd))
        print(f"{name}: round {r + 1}/{rounds}", file=sys.stderr)
    med = {label: statistics.median(v) for label, v in times.items()}
    base = next(med[l] for l, _ in cmds if l.startswith(ref))
    for label, cmd in cmds:
        lines.append(f"| {name} | `{label}` | {med[label] * 1000:.1f} | {med[label] / base:.2f}x | {rss(cmd)} |")
lines.append("\nratio: median divided by the median of `ss` with the same options (for the /proc group: of `cat`).")
lines.append("Targets (issue 4): `-tan` <= 1.0x, `-tln` <= 1.2x, `-tanp` <= 0.3x of ss; `--source=proc` is reported against `cat` of the same files, its floor.")
lines.append("busybox netstat (Debian's busybox-static 1.35) has no -p. toolbox -p reads every /proc/PID/fd link on a second thread while the sockets are dumped;")
lines.append("net-tools keeps owners in a 211-bucket chained hash and ss in a small chained table too: their per-socket owner lookups slow down sharply with this many sockets.")
text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write(text)
print(text)
EOF
