// NETLINK_SOCK_DIAG (sock_diag(7)) for toolbox netstat: building the dump
// requests for inet_diag (TCP/UDP over IPv4/IPv6, Linux 2.6.14 / UDP 3.3)
// and unix_diag (Linux 3.3), and reading the replies into flat structs that
// Swift can use without the kernel headers' macros. Header-only.
#ifndef TOOLBOX_NETLINK_H
#define TOOLBOX_NETLINK_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>

#ifndef NETLINK_SOCK_DIAG
#define NETLINK_SOCK_DIAG 4
#endif
#ifndef SOCK_DIAG_BY_FAMILY
#define SOCK_DIAG_BY_FAMILY 20
#endif

/// socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_SOCK_DIAG); -1 and errno on failure.
static inline int cshim_sockdiag_open(void) {
    return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

/// Sends one request to the kernel (netlink address 0), retrying on EINTR.
static inline int cshim_netlink_send(int fd, const void *msg, size_t len) {
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    ssize_t n;
    do { n = sendto(fd, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa)); } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

/// Sends an inet_diag_req_v2 dump request for `family` (AF_INET/AF_INET6),
/// `protocol` (IPPROTO_TCP/UDP/UDPLITE) and the TCP state bit mask
/// `states` (1 << TCP_LISTEN, ...): the kernel filters by state.
static inline int cshim_inet_diag_request(int fd, uint8_t family, uint8_t protocol, uint32_t states, uint32_t seq) {
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = seq;
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = protocol;
    msg.req.idiag_states = states;
    return cshim_netlink_send(fd, &msg, sizeof(msg));
}

/// Sends a unix_diag_req dump request for the socket state bit mask
/// `states`, asking for the name (path), peer and receive queue lengths.
static inline int cshim_unix_diag_request(int fd, uint32_t states, uint32_t seq) {
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } msg;
    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = seq;
    msg.req.sdiag_family = AF_UNIX;
    msg.req.udiag_states = states;
    msg.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
    return cshim_netlink_send(fd, &msg, sizeof(msg));
}

/// recv(2) of one datagram of replies; -1 and errno on failure.
static inline long cshim_netlink_recv(int fd, void *buf, unsigned long len) {
    ssize_t n;
    do { n = recv(fd, buf, len, 0); } while (n < 0 && errno == EINTR);
    return (long)n;
}

/// What one message in a reply buffer is.
enum {
    CSHIM_NL_BAD = 0,      /* truncated or malformed: stop */
    CSHIM_NL_DONE = 1,     /* NLMSG_DONE: the dump is complete */
    CSHIM_NL_ERROR = 2,    /* NLMSG_ERROR: *error holds the (positive) errno */
    CSHIM_NL_DATA = 3,     /* a SOCK_DIAG_BY_FAMILY reply */
    CSHIM_NL_OTHER = 4,    /* anything else: skip */
};

/// Classifies the message at `offset` of `buf` (`len` bytes) and stores the
/// offset of the next message in *next and of its payload in *payload.
static inline int cshim_nlmsg_next(const void *buf, long len, long offset, long *next,
                                   long *payload, long *payload_len, int *error) {
    if (offset < 0 || len - offset < (long)sizeof(struct nlmsghdr)) return CSHIM_NL_BAD;
    const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)buf + offset);
    if (h->nlmsg_len < sizeof(struct nlmsghdr) || (long)h->nlmsg_len > len - offset) return CSHIM_NL_BAD;
    *next = offset + NLMSG_ALIGN(h->nlmsg_len);
    *payload = offset + NLMSG_HDRLEN;
    *payload_len = (long)h->nlmsg_len - NLMSG_HDRLEN;
    if (h->nlmsg_type == NLMSG_DONE) return CSHIM_NL_DONE;
    if (h->nlmsg_type == NLMSG_ERROR) {
        if (*payload_len < (long)sizeof(int)) { *error = EIO; return CSHIM_NL_ERROR; }
        const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(h);
        *error = e->error < 0 ? -e->error : e->error;
        return CSHIM_NL_ERROR;
    }
    if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) return CSHIM_NL_DATA;
    return CSHIM_NL_OTHER;
}

/// One inet socket from an inet_diag_msg, with addresses as the 16 bytes in
/// network order (IPv4 in the first 4) and ports in host order.
struct cshim_inet_sock {
    uint8_t family, state, timer, retrans;
    uint16_t sport, dport;
    uint8_t src[16], dst[16];
    uint32_t rqueue, wqueue, uid, expires;
    uint64_t inode;
};

/// Decodes an inet_diag_msg payload; 0 if it is too short.
static inline int cshim_inet_diag_decode(const void *payload, long len, struct cshim_inet_sock *out) {
    if (len < (long)sizeof(struct inet_diag_msg)) return 0;
    const struct inet_diag_msg *m = (const struct inet_diag_msg *)payload;
    out->family = m->idiag_family;
    out->state = m->idiag_state;
    out->timer = m->idiag_timer;
    out->retrans = m->idiag_retrans;
    out->sport = ntohs(m->id.idiag_sport);
    out->dport = ntohs(m->id.idiag_dport);
    memcpy(out->src, m->id.idiag_src, 16);
    memcpy(out->dst, m->id.idiag_dst, 16);
    out->rqueue = m->idiag_rqueue;
    out->wqueue = m->idiag_wqueue;
    out->uid = m->idiag_uid;
    out->expires = m->idiag_expires;
    out->inode = m->idiag_inode;
    return 1;
}

/// One unix socket from a unix_diag_msg and its attributes. `name` holds
/// the bound path (abstract names start with a NUL byte), `name_len` its
/// length (0: unbound).
struct cshim_unix_sock {
    uint8_t type, state;
    uint32_t inode, peer, rqueue, wqueue;
    int has_rqlen, has_peer;
    uint32_t name_len;
    char name[108];
};

/// Decodes a unix_diag_msg payload and its UNIX_DIAG_NAME / _PEER / _RQLEN
/// attributes; 0 if it is too short.
static inline int cshim_unix_diag_decode(const void *payload, long len, struct cshim_unix_sock *out) {
    if (len < (long)sizeof(struct unix_diag_msg)) return 0;
    const struct unix_diag_msg *m = (const struct unix_diag_msg *)payload;
    memset(out, 0, sizeof(*out));
    out->type = m->udiag_type;
    out->state = m->udiag_state;
    out->inode = m->udiag_ino;
    long off = NLMSG_ALIGN(sizeof(struct unix_diag_msg));
    while (len - off >= (long)sizeof(struct nlattr)) {
        const struct nlattr *a = (const struct nlattr *)((const char *)payload + off);
        if (a->nla_len < sizeof(struct nlattr) || (long)a->nla_len > len - off) break;
        const void *data = (const char *)a + NLA_HDRLEN;
        long dlen = (long)a->nla_len - NLA_HDRLEN;
        switch (a->nla_type) {
        case UNIX_DIAG_NAME:
            if (dlen > (long)sizeof(out->name)) dlen = sizeof(out->name);
            memcpy(out->name, data, (size_t)dlen);
            out->name_len = (uint32_t)dlen;
            break;
        case UNIX_DIAG_PEER:
            if (dlen >= 4) { memcpy(&out->peer, data, 4); out->has_peer = 1; }
            break;
        case UNIX_DIAG_RQLEN:
            if (dlen >= (long)sizeof(struct unix_diag_rqlen)) {
                const struct unix_diag_rqlen *q = (const struct unix_diag_rqlen *)data;
                out->rqueue = q->udiag_rqueue;
                out->wqueue = q->udiag_wqueue;
                out->has_rqlen = 1;
            }
            break;
        }
        off += NLA_ALIGN(a->nla_len);
    }
    return 1;
}

#define CSHIM_CLONE_NEWNET 0x40000000

/// setns(2) (glibc declares it only with _GNU_SOURCE).
static inline int cshim_setns(int fd, int nstype) {
    return (int)syscall(SYS_setns, fd, nstype);
}

#endif
