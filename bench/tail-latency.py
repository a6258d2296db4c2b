#!/usr/bin/env python3
"""tail -f latency: append a line to a followed file and time until tail
writes it to its pipe; 30 appends, 100 ms apart. Also the CPU time tail used
while idle for 2 s (from /proc/PID/stat). Prints markdown table rows.
Usage: tail-latency.py TOOLBOX_BINARY WORKDIR"""
import os, select, statistics, subprocess, sys, time

def measure(cmd, path):
    with open(path, "w") as f:
        f.write("start\n")
    p = subprocess.Popen(cmd + [path], stdout=subprocess.PIPE, env={"LC_ALL": "C", "PATH": os.environ["PATH"]})
    fd = p.stdout.fileno()
    os.read(fd, 4096)
    time.sleep(0.2)
    def ticks():
        s = open(f"/proc/{p.pid}/stat").read()
        fields = s[s.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])
    t0 = ticks(); time.sleep(2.0); idle = ticks() - t0
    lat = []
    for i in range(30):
        line = f"line {i}\n".encode()
        start = time.perf_counter()
        with open(path, "ab") as f:
            f.write(line)
        got = b""
        while line not in got:
            r, _, _ = select.select([fd], [], [], 2.0)
            if not r:
                break
            got += os.read(fd, 4096)
        lat.append((time.perf_counter() - start) * 1000)
        time.sleep(0.1)
    p.terminate(); p.wait()
    return statistics.median(lat), max(lat), idle

binary, work = sys.argv[1], sys.argv[2]
for label, cmd in [("toolbox tail -f", [binary, "tail", "-f"]), ("GNU tail -f", ["tail", "-f"])]:
    med, worst, idle = measure(cmd, os.path.join(work, "follow.log"))
    print(f"| {label}: append to display latency | median {med:.2f} ms, max {worst:.2f} ms | CPU while idle 2 s: {idle} ticks |")
