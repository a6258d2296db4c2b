// Borrowed identity for /proc/PID/root, /proc/PID/cwd and /proc/PID/fd:
// a short-lived child takes the target's uid and gid and opens the entry
// (the kernel's ptrace-read check then passes: same uid), hands the
// descriptor back over a socketpair with SCM_RIGHTS and exits. The parent
// never changes identity. Header-only (static inline), like cshim.h.
//
// The child runs only async-signal-safe code after fork(): raw system calls
// (setgroups/setresgid/setresuid through syscall(2), so glibc's
// all-threads setxid broadcast is not involved), openat, sendmsg, _exit.
// Everything it needs (path, ids) is prepared by the caller before fork.
#ifndef TOOLBOX_BORROW_H
#define TOOLBOX_BORROW_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436   /* Linux 5.9, the same number on every architecture */
#endif

/// In a forked child, before it takes the target's uid: keeps only the
/// descriptor `keep` (moved to 0) and closes every other one, so the child
/// does not carry this process's descriptors (other containers' roots, the
/// terminal) while it runs as a uid the target controls (where
/// fs.suid_dumpable=1 leaves it dumpable, the target could ptrace it).
/// Returns the descriptor to use. Raw system calls only.
static inline int toolbox_borrow_keep_only(int keep) {
    if (keep != 0) {
        if (syscall(SYS_dup3, keep, 0, 0) < 0) return keep;
    }
    if (syscall(SYS_close_range, 1, ~0U, 0) != 0) {
        for (int fd = 1; fd < 4096; fd++) (void)syscall(SYS_close, fd);   /* before 5.9 */
    }
    return 0;
}

/// In a forked child: takes uid/gid with groups = [gid] (setgroups,
/// setresgid, setresuid as raw system calls). Returns 0 or the errno.
static inline int32_t toolbox_borrow_become(uint32_t uid, uint32_t gid) {
    gid_t groups[1] = { (gid_t)gid };
    if (syscall(SYS_setgroups, 1, groups) != 0) return errno;
    if (syscall(SYS_setresgid, (gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) return errno;
    if (syscall(SYS_setresuid, (uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) return errno;
    return 0;
}

/// Opens `path` with `flags` as uid/gid (groups = [gid]) in a forked child
/// and returns the descriptor in this process. On failure returns -1 with
/// errno set: the child's error (EACCES, ...) or the parent's (fork, ...).
static inline int toolbox_borrow_open(const char *path, int flags, uint32_t uid, uint32_t gid) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(sv[0]); close(sv[1]);
        errno = e;
        return -1;
    }
    if (child == 0) {
        /* Child: async-signal-safe only. Message: int32 errno (0 = fd attached). */
        int32_t err = 0;
        int fd = -1;
        int sock = toolbox_borrow_keep_only(sv[1]);
        err = toolbox_borrow_become(uid, gid);
        if (err == 0) {
            fd = (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, 0);
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
        (void)sendmsg(sock, &msg, MSG_NOSIGNAL);
        _exit(0);
    }
    close(sv[1]);
    int32_t err = EIO;
    int fd = -1;
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct iovec iov = { &err, sizeof(err) };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof(u.buf);
    ssize_t n;
    do { n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    int recvErr = n < 0 ? errno : 0;
    if (n >= (ssize_t)sizeof(int32_t)) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof(int));
        }
    } else if (n >= 0) {
        err = EIO;   /* child died before sending */
    }
    close(sv[0]);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (fd >= 0) return fd;
    errno = recvErr ? recvErr : (err ? err : EIO);
    return -1;
}

/// For /proc/PID/fd, whose entries repeat the ptrace check on every
/// readlink: a child with the target's uid/gid opens the directory `fddir`,
/// reads every link and writes records to a pipe: a 4-byte errno first
/// (0 = the directory opened), then "NAME\0TARGET\0" per descriptor. Returns
/// the pipe's read end (the caller reads it to EOF, then calls
/// toolbox_borrow_wait(*child)), or -1 with errno set.
static inline int toolbox_borrow_fdlinks_start(const char *fddir, uint32_t uid, uint32_t gid, int *child_out) {
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
        char dents[16384];
        char rec[4096 + 300];
        int32_t err = 0;
        int dfd = -1;
        int out = toolbox_borrow_keep_only(p[1]);
        err = toolbox_borrow_become(uid, gid);
        if (err == 0) {
            dfd = (int)syscall(SYS_openat, AT_FDCWD, fddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            if (dfd < 0) err = errno;
        }
        if (write(out, &err, sizeof(err)) != (ssize_t)sizeof(err) || dfd < 0) _exit(0);
        for (;;) {
            long n = syscall(SYS_getdents64, dfd, dents, sizeof(dents));
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                unsigned short reclen;
                memcpy(&reclen, dents + off + 16, sizeof(reclen));
                const char *name = dents + off + 19;
                off += reclen;
                if (name[0] == '.') continue;
                size_t len = strlen(name);
                if (len > 255) continue;
                memcpy(rec, name, len + 1);
                long t = syscall(SYS_readlinkat, dfd, name, rec + len + 1, 4096);
                if (t <= 0) continue;
                rec[len + 1 + t] = 0;
                size_t total = len + 1 + (size_t)t + 1;
                if (write(out, rec, total) != (ssize_t)total) _exit(0);
            }
        }
        _exit(0);
    }
    close(p[1]);
    *child_out = (int)child;
    return p[0];
}

/// Reaps a child started by toolbox_borrow_fdlinks_start.
static inline void toolbox_borrow_wait(int child) {
    int status;
    while (waitpid((pid_t)child, &status, 0) < 0 && errno == EINTR) {}
}

#endif
