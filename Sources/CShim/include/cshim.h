// Small C shims for kernel interfaces that Swift's Glibc module does not
// expose (variadic syscall(2), openat2(2) and its struct open_how).
// Header-only: every function is static inline.
#ifndef TOOLBOX_CSHIM_H
#define TOOLBOX_CSHIM_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <signal.h>

/// The process's environment array (NULL after clearenv), and setting it
/// back (the shell hands its inherited array to children unchanged). Swift's
/// Glibc imports `environ` read-only.
static inline char **cshim_environ(void) { extern char **environ; return environ; }
static inline void cshim_set_environ(char **e) { extern char **environ; environ = e; }

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* struct open_how and RESOLVE_* from <linux/openat2.h> (Linux 5.6). */
struct cshim_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
#define CSHIM_RESOLVE_NO_XDEV       0x01
#define CSHIM_RESOLVE_NO_MAGICLINKS 0x02
#define CSHIM_RESOLVE_NO_SYMLINKS   0x04
#define CSHIM_RESOLVE_BENEATH       0x08
#define CSHIM_RESOLVE_IN_ROOT       0x10

/// openat2(2). Returns the fd, or -1 with errno set (ENOSYS before Linux 5.6).
static inline int cshim_openat2(int dirfd, const char *path, uint64_t flags,
                                uint64_t mode, uint64_t resolve) {
    struct cshim_open_how how = { flags, mode, resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* open(2) flags that need _GNU_SOURCE in glibc's headers. */
#define CSHIM_O_PATH    010000000
#define CSHIM_O_NOATIME 01000000

static inline int cshim_errno(void) { return errno; }
static inline void cshim_set_errno(int e) { errno = e; }

/// prlimit(2) (glibc declares it through a macro Swift does not import).
static inline int cshim_prlimit(int pid, int resource, const struct rlimit *new_limit, struct rlimit *old_limit) {
    return (int)syscall(SYS_prlimit64, pid, resource, new_limit, old_limit);
}

/* SIGRTMIN/SIGRTMAX are glibc macros calling functions Swift cannot see. */
static inline int cshim_sigrtmin(void) { return SIGRTMIN; }
static inline int cshim_sigrtmax(void) { return SIGRTMAX; }

/* An interactive applet's raw terminal mode, restored on every exit path:
 * cshim_tty_guard(fd, &saved) makes SIGTERM, SIGHUP, SIGINT and SIGQUIT
 * restore `saved` on `fd` before they take their default action;
 * cshim_tty_guard(-1, 0) disarms. */
#include <termios.h>
void cshim_tty_guard(int fd, const struct termios *saved);

/* snprintf of one number of a known C type. Swift's CVarArg path
 * (withVaList) casts each argument dynamically, and the first cast of each
 * type scans every protocol conformance record in the binary (~130k
 * instructions: a third of `top -b -n 1` at 80 processes). */
int cshim_format_i32(char *buf, unsigned long size, const char *fmt, int v);
int cshim_format_i64(char *buf, unsigned long size, const char *fmt, long long v);
int cshim_format_u64(char *buf, unsigned long size, const char *fmt, unsigned long long v);
int cshim_format_f64(char *buf, unsigned long size, const char *fmt, double v);

#endif
