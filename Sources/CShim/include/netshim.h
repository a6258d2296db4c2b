// Socket addresses for the network applets (dig, nc, curl, ping): building
// and reading sockaddr_in/sockaddr_in6 is a few lines of C and awkward in
// Swift. Header-only (static inline), like cshim.h.
#ifndef TOOLBOX_NETSHIM_H
#define TOOLBOX_NETSHIM_H
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

/// Fills `out` for a 4- or 16-byte address and a port (host order);
/// returns the length to pass to connect/sendto, 0 for a bad length.
static inline unsigned cshim_sockaddr_make(const uint8_t *addr, int len, uint16_t port, uint32_t scope,
                                           struct sockaddr_storage *out) {
    memset(out, 0, sizeof *out);
    if (len == 4) {
        struct sockaddr_in *s = (struct sockaddr_in *)out;
        s->sin_family = AF_INET; s->sin_port = htons(port);
        memcpy(&s->sin_addr, addr, 4);
        return sizeof *s;
    }
    if (len == 16) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)out;
        s->sin6_family = AF_INET6; s->sin6_port = htons(port); s->sin6_scope_id = scope;
        memcpy(&s->sin6_addr, addr, 16);
        return sizeof *s;
    }
    return 0;
}

/// Reads family, address bytes (4 or 16 into `addr`) and port back;
/// returns the address length, 0 for another family.
static inline int cshim_sockaddr_read(const struct sockaddr_storage *in, uint8_t *addr, uint16_t *port) {
    if (in->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)in;
        memcpy(addr, &s->sin_addr, 4); *port = ntohs(s->sin_port);
        return 4;
    }
    if (in->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)in;
        memcpy(addr, &s->sin6_addr, 16); *port = ntohs(s->sin6_port);
        return 16;
    }
    return 0;
}

static inline int cshim_socket_error(int fd) {
    int err = 0; socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return -1;
    return err;
}

static inline int cshim_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

static inline int cshim_set_linger(int fd, int onoff, int secs) {
    struct linger l = { onoff, secs };
    return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}
/// SIOCGIFFLAGS and SIOCGIFMTU of interface `name` on socket `fd` (any
/// datagram socket of the namespace to ask); -1 and errno on failure.
static inline int cshim_if_flags_mtu(int fd, const char *name, int *flags, int *mtu) {
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &r) < 0) return -1;
    *flags = (unsigned short)r.ifr_flags;
    memset(&r, 0, sizeof r);
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    *mtu = ioctl(fd, SIOCGIFMTU, &r) < 0 ? 0 : r.ifr_mtu;
    return 0;
}

#include <linux/errqueue.h>
#include <netinet/ip.h>

/// ping: recvmsg(2) of one ICMP packet into `buf` (MSG_DONTWAIT), its
/// source address (4 or 16 bytes into `from`, length in *fromlen) and the
/// TTL / hop limit of an IP_RECVTTL / IPV6_RECVHOPLIMIT control message
/// (-1 when absent). Returns the byte count, -1 and errno on failure.
static inline long cshim_icmp_recv(int fd, uint8_t *buf, long cap, uint8_t *from, int *fromlen, int *ttl) {
    struct sockaddr_storage ss; uint16_t port;
    char ctl[256];
    struct iovec iov = { buf, (size_t)cap };
    struct msghdr m; memset(&m, 0, sizeof m);
    m.msg_name = &ss; m.msg_namelen = sizeof ss; m.msg_iov = &iov; m.msg_iovlen = 1;
    m.msg_control = ctl; m.msg_controllen = sizeof ctl;
    long n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0) return -1;
    *fromlen = cshim_sockaddr_read(&ss, from, &port);
    *ttl = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
            int v; memcpy(&v, CMSG_DATA(c), sizeof v); *ttl = v;
        }
    }
    return n;
}

/// ping on a datagram ICMP socket: one ICMP error from the error queue
/// (IP_RECVERR / IPV6_RECVERR): the quoted request into `buf`, the error's
/// type and code, the sender of the error (`from`). Returns the byte
/// count, 0 when the error is not an ICMP one, -1 and errno on failure.
static inline long cshim_icmp_recv_error(int fd, uint8_t *buf, long cap, int *type, int *code, uint8_t *from, int *fromlen) {
    char ctl[512];
    struct sockaddr_storage ss;
    struct iovec iov = { buf, (size_t)cap };
    struct msghdr m; memset(&m, 0, sizeof m);
    m.msg_name = &ss; m.msg_namelen = sizeof ss; m.msg_iov = &iov; m.msg_iovlen = 1;
    m.msg_control = ctl; m.msg_controllen = sizeof ctl;
    long n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) return -1;
    *fromlen = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
            struct sock_extended_err e; memcpy(&e, CMSG_DATA(c), sizeof e);
            if (e.ee_origin != SO_EE_ORIGIN_ICMP && e.ee_origin != SO_EE_ORIGIN_ICMP6) return 0;
            *type = e.ee_type; *code = e.ee_code;
            struct sockaddr_storage off; memset(&off, 0, sizeof off);
            struct sockaddr *o = SO_EE_OFFENDER((struct sock_extended_err *)CMSG_DATA(c));
            memcpy(&off, o, o->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
            uint16_t port; *fromlen = cshim_sockaddr_read(&off, from, &port);
            return n;
        }
    }
    return 0;
}

/// splice(2) without offsets (glibc declares splice only under _GNU_SOURCE).
static inline long cshim_splice(int in, int out, size_t len, unsigned flags) {
    return syscall(SYS_splice, in, (void *)0, out, (void *)0, len, flags);
}

/// fcntl(F_SETPIPE_SZ) (1031, also _GNU_SOURCE only): the new capacity or -1.
static inline int cshim_set_pipe_size(int fd, int size) { return fcntl(fd, 1031, size); }

/// fcntl(F_GETPIPE_SZ) (1032): the pipe's capacity or -1.
static inline int cshim_get_pipe_size(int fd) { return fcntl(fd, 1032); }

/// pipe2(fds, O_CLOEXEC) (pipe2 is declared only under _GNU_SOURCE).
static inline int cshim_pipe_cloexec(int fds[2]) { return (int)syscall(SYS_pipe2, fds, O_CLOEXEC); }

#endif
