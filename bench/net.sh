#!/bin/bash
# Benchmark: toolbox dig / nc / curl vs bind's dig, netcat-openbsd and curl,
# side by side in a private network namespace (loopback only):
#  - dig @127.0.0.1 NAME against dnsmasq (one A record), wall time per run;
#  - nc -z 127.0.0.1 1-1000 (1,000 closed loopback ports), wall time;
#  - curl -o /dev/null of a 1 GiB body from Tests/Fixtures/net/http_server.py
#    on 127.0.0.1 (Content-Length framing), wall time -> throughput.
# Alternating rounds (A, B, A, B ...), medians, ratio toolbox/peer.
# Usage: bench/net.sh [ROUNDS] [CURL_ROUNDS]   (root; build first: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-21}
CURL_ROUNDS=${2:-5}
BIN=${TOOLBOX_BIN:-$PWD/.build/release/toolbox}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
if [ -z "${TOOLBOX_BENCH_NS:-}" ]; then
    NS=tbxbench$$
    ip netns add "$NS"
    trap 'ip netns del "$NS" 2>/dev/null' EXIT
    ip -n "$NS" link set lo up
    TOOLBOX_BENCH_NS=$NS ip netns exec "$NS" "$0" "$@"
    exit $?
fi
WORK=$(mktemp -d /tmp/toolbox-netbench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export LC_ALL=C
cat >"$WORK/dnsmasq.conf" <<CONF
no-resolv
no-hosts
bind-interfaces
listen-address=127.0.0.1
local=/bench.test/
host-record=web.bench.test,127.0.0.10
CONF
dnsmasq -C "$WORK/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid"
/usr/bin/python3 Tests/Fixtures/net/http_server.py 127.0.0.1 8080 >"$WORK/http.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$WORK/http.out" 2>/dev/null && break; sleep 0.1; done

now_ns() { date +%s%N; }
time_one() { local s e; s=$(now_ns); "$@" >/dev/null 2>&1 || true; e=$(now_ns); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bench() { # name, rounds, cmdA (toolbox) ..., --, cmdB (peer) ...
    local name=$1 rounds=$2; shift 2
    local a=() b=(); while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift; b=("$@")
    "${a[@]}" >/dev/null 2>&1 || true; "${b[@]}" >/dev/null 2>&1 || true   # warm up
    local ta=() tb=()
    for ((i = 0; i < rounds; i++)); do
        ta+=("$(time_one "${a[@]}")"); tb+=("$(time_one "${b[@]}")")
    done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | median); mb=$(printf '%s\n' "${tb[@]}" | median)
    awk -v n="$name" -v a="$ma" -v b="$mb" 'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.2fx |\n", n, a / 1000, b / 1000, a / b }'
    LAST_A=$ma; LAST_B=$mb
}
echo "| benchmark | toolbox (median) | peer (median) | ratio (time) |"
echo "|---|---|---|---|"
bench "dig @127.0.0.1 web.bench.test (bind dig 9.18)" "$ROUNDS" "$BIN" dig @127.0.0.1 web.bench.test -- dig @127.0.0.1 web.bench.test
bench "nc -z 127.0.0.1 1-1000 (netcat-openbsd)" "$ROUNDS" "$BIN" nc -z 127.0.0.1 1-1000 -- nc.openbsd -z 127.0.0.1 1-1000
bench "curl -o /dev/null, 1 GiB over loopback (curl 7.88)" "$CURL_ROUNDS" "$BIN" curl -s -o /dev/null http://127.0.0.1:8080/big/1073741824 -- curl -s -o /dev/null http://127.0.0.1:8080/big/1073741824
awk -v a="$LAST_A" -v b="$LAST_B" 'BEGIN { printf "\ncurl throughput: toolbox %.0f MiB/s, curl %.0f MiB/s (%.2fx)\n", 1024e6 / a, 1024e6 / b, b / a }'
echo
echo "rounds: $ROUNDS ($CURL_ROUNDS for curl), alternating toolbox/peer; $(uname -r); $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
