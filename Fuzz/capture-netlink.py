#!/usr/bin/env python3
"""Captures real sock_diag reply datagrams as seeds for the `netlink` fuzz
target: Tests/Fixtures/fuzz/netlink/seed-<kind>-<n>, each the selector byte
(0 inet TCP, 1 inet6 UDP, 2 unix) followed by one datagram as recv(2)
returned it. Run as root on the machine whose kernel the seeds document."""
import os, socket, struct, sys

NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY = 4, 20
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/fuzz/netlink"

def dump(req):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    msg = struct.pack("=LHHLL", 16 + len(req), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req
    s.sendto(msg, (0, 0))
    grams = []
    while True:
        d = s.recv(65536)
        grams.append(d)
        if struct.unpack_from("=H", d, 4)[0] == 3 or len(grams) > 3:   # NLMSG_DONE
            return grams

# inet_diag_req_v2: family, protocol, ext, pad, states, then a zero inet_diag_sockid (48 bytes).
tcp4 = dump(struct.pack("=BBBBL", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xfff) + bytes(48))
udp6 = dump(struct.pack("=BBBBL", socket.AF_INET6, socket.IPPROTO_UDP, 0, 0, 0xfff) + bytes(48))
# unix_diag_req: family, protocol, pad, states, ino, show (NAME|PEER|RQLEN), cookie.
unix = dump(struct.pack("=BBHLLL", socket.AF_UNIX, 0, 0, 0xffffffff, 0, 1 | 4 | 16) + bytes(8))
for kind, grams in ((0, tcp4), (1, udp6), (2, unix)):
    for i, g in enumerate(grams[:2]):
        with open(os.path.join(out, f"seed-{['tcp4', 'udp6', 'unix'][kind]}-{i}"), "wb") as f:
            f.write(bytes([kind]) + g[:8192])
