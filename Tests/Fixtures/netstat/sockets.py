#!/usr/bin/env python3
"""Opens the sockets the netstat differential tests look at, prints one JSON
line describing them, then holds them until stdin closes.

  sockets.py all DIR     TCP/UDP over IPv4/IPv6 and unix sockets under DIR
  sockets.py listen      one IPv4 TCP listener (run under setpriv as another uid)
"""
import json, os, socket, sys, time


def ino(s):
    return os.fstat(s.fileno()).st_ino


def main():
    mode = sys.argv[1]
    keep = []
    info = {"pid": os.getpid()}
    if mode == "listen":
        s = socket.socket()
        s.bind(("127.0.0.1", 0)); s.listen()
        keep.append(s)
        info["port"] = s.getsockname()[1]
        info["inode"] = ino(s)
    else:
        d = sys.argv[2]
        # IPv4 listener, IPv6-only listener on ::1.
        l4 = socket.socket(); l4.bind(("127.0.0.1", 0)); l4.listen()
        l6 = socket.socket(socket.AF_INET6); l6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        l6.bind(("::1", 0)); l6.listen()
        # A dual-stack :: listener with an IPv4 client: the accepted side is a
        # tcp6 row with ::ffff:127.0.0.1 addresses.
        dual = socket.socket(socket.AF_INET6); dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        dual.bind(("::", 0)); dual.listen()
        c4 = socket.create_connection(("127.0.0.1", dual.getsockname()[1])); a4, _ = dual.accept()
        # An IPv6 connection on ::1.
        c6 = socket.socket(socket.AF_INET6); c6.connect(("::1", l6.getsockname()[1])); a6, _ = l6.accept()
        # TIME_WAIT: the client closes first.
        tw = socket.create_connection(("127.0.0.1", l4.getsockname()[1])); atw, _ = l4.accept()
        tw_port = tw.getsockname()[1]
        tw.close(); time.sleep(0.05); atw.close()
        # UDP bound, and UDP connected over IPv6.
        u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0))
        u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0))
        u6.connect(("::1", u6.getsockname()[1]))
        # unix: stream listener and datagram socket with paths; a stream pair
        # and a datagram socket without.
        us = socket.socket(socket.AF_UNIX); us.bind(os.path.join(d, "stream.sock")); us.listen()
        ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(os.path.join(d, "dgram.sock"))
        p1, p2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        un = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        keep += [l4, l6, dual, c4, a4, c6, a6, u4, u6, us, ud, p1, p2, un]
        info.update({
            "tcp4_listen": l4.getsockname()[1], "tcp6_listen": l6.getsockname()[1],
            "dual_listen": dual.getsockname()[1], "dual_client": c4.getsockname()[1],
            "tcp6_client": c6.getsockname()[1], "timewait": tw_port,
            "udp4": u4.getsockname()[1], "udp6": u6.getsockname()[1],
            "unix_inodes": [ino(s) for s in (us, ud, p1, p2, un)],
        })
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    sys.stdin.read()


main()
