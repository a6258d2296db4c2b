// Borrowed identity for /proc/PID entries that need ptrace-read access
// (root, cwd, fd/, the fd links, environ, maps, ...): a short-lived child
// takes the target's uid and gid as its *file-system* ids (setfsuid,
// setfsgid: the ptrace-read check of /proc uses them), opens or reads the
// entry, hands the descriptor or the bytes back over a socketpair and
// exits. The parent never changes identity. Header-only (static inline).
//
// Why fsuid and not setresuid: a child whose real and saved uids stay 0
// cannot be signalled by the target's uid (kill(2) compares the sender's
// uids with the receiver's real and saved uids), so a hostile target
// looping kill(-1, SIGSTOP) cannot stop it; and it cannot ptrace it either.
// The child also drops CAP_SYS_PTRACE from its effective set, so access is
// decided by the borrowed ids alone.
//
// Every wait of the parent is bounded (TOOLBOX_HELPER_DEADLINE_MS, then
// SIGKILL and reap): nothing the target does can hang the debugger.
//
// The child runs only async-signal-safe code after fork(): raw system calls,
// stack buffers, _exit. Everything it needs is prepared before fork.
#ifndef TOOLBOX_BORROW_H
#define TOOLBOX_BORROW_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436   /* Linux 5.9, the same number on every architecture */
/// memfd_create(2) (Linux 3.17) with MFD_CLOEXEC: an anonymous file that
/// holds what a helper child read. Returns the fd or -1 with errno set.
static inline int toolbox_memfd(void) {
    return (int)syscall(SYS_memfd_create, "toolbox-borrowed", 1U /* MFD_CLOEXEC */);
}

#endif

/// How long the parent waits for a helper child in all (milliseconds).
#define TOOLBOX_HELPER_DEADLINE_MS 2000

/// CLOCK_MONOTONIC in milliseconds.
static inline long long toolbox_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static inline void toolbox_close_range(unsigned lo, unsigned hi) {
    if (lo > hi) return;
    if (syscall(SYS_close_range, lo, hi, 0) != 0) {
        for (unsigned fd = lo; fd <= hi && fd < 4096; fd++) (void)syscall(SYS_close, fd);   /* before 5.9 */
    }
}

/// In a forked child, before it takes the target's ids: closes every
/// descriptor but `a` and `b` (-1: none), so the child does not carry this
/// process's descriptors (other containers' roots, the terminal) while it
/// acts for the target. Raw system calls only.
static inline void toolbox_borrow_close_except(int a, int b) {
    int lo = a, hi = a;
    if (b >= 0) { lo = a < b ? a : b; hi = a < b ? b : a; }
    if (lo > 0) toolbox_close_range(0, (unsigned)lo - 1);
    if (hi > lo + 1) toolbox_close_range((unsigned)lo + 1, (unsigned)hi - 1);
    toolbox_close_range((unsigned)hi + 1, ~0U);
}

/// In a forked child: takes uid/gid as file-system ids and drops
/// CAP_SYS_PTRACE from the effective set. Returns 0 or an errno.
static inline int32_t toolbox_borrow_become(uint32_t uid, uint32_t gid) {
    struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };   /* _LINUX_CAPABILITY_VERSION_3 */
    struct { uint32_t effective, permitted, inheritable; } data[2];
    if (syscall(SYS_capget, &hdr, data) != 0) return errno;
    data[0].effective &= ~(1u << 19);                                 /* CAP_SYS_PTRACE */
    if (syscall(SYS_capset, &hdr, data) != 0) return errno;
    (void)syscall(SYS_setfsgid, gid);
    if ((uint32_t)syscall(SYS_setfsgid, (uint32_t)-1) != gid) return EPERM;
    (void)syscall(SYS_setfsuid, uid);
    if ((uint32_t)syscall(SYS_setfsuid, (uint32_t)-1) != uid) return EPERM;
    return 0;
}

/// Reaps `child`: waits until it exits or `deadline` (toolbox_now_ms) has
/// passed, then kills it with SIGKILL (which ends a stopped process too)
/// and reaps it. Returns 0, or ETIMEDOUT when it had to be killed.
static inline int toolbox_helper_reap(int child, long long deadline) {
    int status;
    for (;;) {
        pid_t r = waitpid((pid_t)child, &status, WNOHANG);
        if (r == (pid_t)child || (r < 0 && errno != EINTR)) return 0;
        if (toolbox_now_ms() >= deadline) break;
        struct timespec ts = { 0, 200000 };
        nanosleep(&ts, NULL);
    }
    kill((pid_t)child, SIGKILL);
    while (waitpid((pid_t)child, &status, 0) < 0 && errno == EINTR) {}
    return ETIMEDOUT;
}

/// Waits until `fd` is readable (or at end) or `deadline` passes.
/// Returns 1 when readable, 0 on timeout.
static inline int toolbox_helper_wait_readable(int fd, long long deadline) {
    for (;;) {
        long long left = deadline - toolbox_now_ms();
        if (left <= 0) return 0;
        struct pollfd p = { fd, POLLIN, 0 };
        int r = poll(&p, 1, (int)left);
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return 1;   /* let the read report it */
    }
}

/// The child's first steps: close everything else, optionally stop itself
/// (`stop`: fault injection for the tests of the deadline), take the ids.
static inline int32_t toolbox_borrow_child_setup(int sock, int dirfd, uint32_t uid, uint32_t gid, int stop) {
    toolbox_borrow_close_except(sock, dirfd);
    if (stop) (void)syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
    return toolbox_borrow_become(uid, gid);
}

/// Opens `name` relative to `dirfd` (AT_FDCWD: a path) with `flags` as
/// uid/gid in a forked child and returns the descriptor in this process.
/// On failure returns -1 with errno set: the child's error (EACCES, ...),
/// the parent's (fork, ...), or ETIMEDOUT when the child did not answer
/// within TOOLBOX_HELPER_DEADLINE_MS and was killed.
static inline int toolbox_borrow_openat(int dirfd, const char *name, int flags, uint32_t uid, uint32_t gid, int stop) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    long long deadline = toolbox_now_ms() + TOOLBOX_HELPER_DEADLINE_MS;
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(sv[0]); close(sv[1]);
        errno = e;
        return -1;
    }
    if (child == 0) {
        /* Child: async-signal-safe only. Message: int32 errno (0 = fd attached). */
        int fd = -1;
        int32_t err = toolbox_borrow_child_setup(sv[1], dirfd == AT_FDCWD ? -1 : dirfd, uid, gid, stop);
        if (err == 0) {
            fd = (int)syscall(SYS_openat, dirfd, name, flags | O_CLOEXEC, 0);
            if (fd < 0) err = errno;
        }
        struct iovec iov = { &err, sizeof(err) };
        union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
        struct msghdr msg;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (fd >= 0) {
            memset(u.buf, 0, sizeof(u.buf));
            msg.msg_control = u.buf;
            msg.msg_controllen = sizeof(u.buf);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        (void)sendmsg(sv[1], &msg, MSG_NOSIGNAL);
        _exit(0);
    }
    close(sv[1]);
    int32_t err = EIO;
    int fd = -1;
    int recvErr = 0;
    if (!toolbox_helper_wait_readable(sv[0], deadline)) {
        recvErr = ETIMEDOUT;
    } else {
        union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
        struct iovec iov = { &err, sizeof(err) };
        struct msghdr msg;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof(u.buf);
        ssize_t n;
        do { n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT); } while (n < 0 && errno == EINTR);
        recvErr = n < 0 ? errno : 0;
        if (n >= (ssize_t)sizeof(int32_t)) {
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof(int));
            }
        } else if (n >= 0) {
            err = EIO;   /* child died before sending */
        }
    }
    close(sv[0]);
    if (toolbox_helper_reap(child, deadline) == ETIMEDOUT && fd < 0) recvErr = ETIMEDOUT;
    if (fd >= 0) return fd;
    errno = recvErr ? recvErr : (err ? err : EIO);
    return -1;
}

/// What a streaming helper child sends after its 4-byte errno.
enum {
    /// The contents of `name` (a regular /proc file such as environ, maps, io).
    TOOLBOX_BORROW_READ = 1,
    /// "NAME\0TARGET\0" for every symbolic link in the directory `name`
    /// (fd/, or a /proc/PID directory's root, cwd, exe); "NAME\0\0" for a
    /// link whose readlinkat was refused (EACCES, EPERM).
    TOOLBOX_BORROW_LINKS = 2,
};

/// Starts a child that, as uid/gid, reads `name` relative to `dirfd` (see
/// the kinds above) and writes a 4-byte errno (0 = opened) and then the
/// bytes to a socket. Returns the socket's read end (read it with a
/// deadline, then toolbox_helper_reap(*child_out, deadline)), or -1.
static inline int toolbox_borrow_stream_start(int kind, int dirfd, const char *name, uint32_t uid, uint32_t gid, int stop, int *child_out) {
    int p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) return -1;
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(p[0]); close(p[1]);
        errno = e;
        return -1;
    }
    if (child == 0) {
        /* Child: raw system calls and stack buffers only. */
        char buf[16384];
        char rec[4096 + 300];
        int out = p[1];
        int32_t err = toolbox_borrow_child_setup(out, dirfd == AT_FDCWD ? -1 : dirfd, uid, gid, stop);
        int fd = -1;
        if (err == 0) {
            int flags = kind == TOOLBOX_BORROW_LINKS ? (O_RDONLY | O_DIRECTORY) : (O_RDONLY | O_NONBLOCK);
            fd = (int)syscall(SYS_openat, dirfd, name, flags | O_CLOEXEC, 0);
            if (fd < 0) err = errno;
        }
        if (send(out, &err, sizeof(err), MSG_NOSIGNAL) != (ssize_t)sizeof(err) || fd < 0) _exit(0);
        if (kind == TOOLBOX_BORROW_READ) {
            for (;;) {
                long n = syscall(SYS_read, fd, buf, sizeof(buf));
                if (n <= 0) break;
                if (send(out, buf, (size_t)n, MSG_NOSIGNAL) != n) break;
            }
            _exit(0);
        }
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                unsigned short reclen;
                memcpy(&reclen, buf + off + 16, sizeof(reclen));
                unsigned char type = (unsigned char)buf[off + 18];
                const char *ename = buf + off + 19;
                off += reclen;
                if (type != 10 /* DT_LNK */) continue;
                size_t len = strlen(ename);
                if (len > 255) continue;
                memcpy(rec, ename, len + 1);
                long t = syscall(SYS_readlinkat, fd, ename, rec + len + 1, 4096);
                /* Refused (the kernel's ptrace-read check): an empty target
                   says so; skipping it made a refused listing look empty. */
                if (t < 0 && (errno == EACCES || errno == EPERM)) t = 0;
                else if (t <= 0) continue;
                rec[len + 1 + t] = 0;
                size_t total = len + 1 + (size_t)t + 1;
                if (send(out, rec, total, MSG_NOSIGNAL) != (ssize_t)total) _exit(0);
            }
        }
        _exit(0);
    }
    close(p[1]);
    *child_out = (int)child;
    return p[0];
}

/// memfd_create(2) (Linux 3.17) with MFD_CLOEXEC: an anonymous file that
/// holds what a helper child read. Returns the fd or -1 with errno set.
static inline int toolbox_memfd(void) {
    return (int)syscall(SYS_memfd_create, "toolbox-borrowed", 1U /* MFD_CLOEXEC */);
}

#endif
