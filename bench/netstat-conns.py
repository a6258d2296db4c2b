#!/usr/bin/env python3
"""Holds COUNT loopback TCP connections (both ends, so 2*COUNT sockets) until
killed: bench/netstat.sh starts several of these and kills them on exit.

  netstat-conns.py 4|6 COUNT INDEX

IPv4 clients bind to 127.0.0.(INDEX+2) with IP_BIND_ADDRESS_NO_PORT, so
ephemeral ports are chosen per 4-tuple at connect time; every process has
its own listener port. Keep 2*COUNT under RLIMIT_NOFILE (20000 here).
"""
import socket, sys, time

IP_BIND_ADDRESS_NO_PORT = 24


def main():
    family, count, index = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    af = socket.AF_INET if family == "4" else socket.AF_INET6
    host = "127.0.0.1" if family == "4" else "::1"
    src = "127.0.0.%d" % (index + 2) if family == "4" else None
    lst = socket.socket(af)
    lst.bind((host, 0))
    lst.listen(4096)
    addr = lst.getsockname()[:2]
    keep = []
    pending = 0
    for _ in range(count):
        c = socket.socket(af)
        if src:
            c.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            c.bind((src, 0))
        c.connect(addr)
        keep.append(c)
        pending += 1
        if pending == 1000:
            for _ in range(pending):
                keep.append(lst.accept()[0])
            pending = 0
    for _ in range(pending):
        keep.append(lst.accept()[0])
    sys.stdout.write("ready %d\n" % len(keep))
    sys.stdout.flush()
    while True:
        time.sleep(3600)


main()
