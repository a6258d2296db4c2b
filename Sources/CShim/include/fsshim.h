// File-system interfaces for the ls/stat/find/cat/readlink applets that
// Swift's Glibc module does not expose without _GNU_SOURCE: getdents64(2)
// with struct linux_dirent64, statx(2) and struct statx (Linux 4.11),
// fstatfs magic numbers, fnmatch's FNM_CASEFOLD. Header-only.
#ifndef TOOLBOX_FSSHIM_H
#define TOOLBOX_FSSHIM_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef SYS_statx
#define SYS_statx 332
#endif

/// getxattr(2) by raw system call (lsof's socket protocol name:
/// `system.sockprotoname`). Returns the length or -1 with errno set.
static inline long cshim_getxattr(const char *path, const char *name, void *value, unsigned long size) {
    return syscall(SYS_getxattr, path, name, value, size);
}
/// gnu_dev_major/minor of a dev_t (sys/sysmacros.h's encoding).
static inline unsigned cshim_dev_major(unsigned long long d) { return (unsigned)(((d >> 32) & 0xfffff000u) | ((d >> 8) & 0xfffu)); }
static inline unsigned cshim_dev_minor(unsigned long long d) { return (unsigned)(((d >> 12) & 0xffffff00u) | (d & 0xffu)); }

/// getdents64(2): fills `buf` with struct linux_dirent64 records
/// (u64 ino, s64 off, u16 reclen, u8 type, char name[]). Returns bytes, 0 at end, -1/errno.
static inline long cshim_getdents64(int fd, void *buf, unsigned long size) {
    return syscall(SYS_getdents64, fd, buf, size);
}

/* struct statx from <linux/stat.h> (Linux 4.11), field for field. */
struct cshim_statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t reserved; };
struct cshim_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct cshim_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define CSHIM_STATX_BASIC_STATS 0x07ffU
#define CSHIM_STATX_BTIME       0x0800U
#define CSHIM_STATX_MNT_ID      0x1000U   /* Linux 5.8: stx_mnt_id is spare[0] */
#define CSHIM_AT_EMPTY_PATH     0x1000
#define CSHIM_AT_SYMLINK_NOFOLLOW 0x100

/// statx(2). Returns 0, or -1 with errno set (ENOSYS before 4.11).
static inline int cshim_statx(int dirfd, const char *path, int flags, unsigned mask, struct cshim_statx *out) {
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, out);
}

/// The terminal's width in columns (TIOCGWINSZ), or 0 when `fd` is not a terminal.
static inline int cshim_terminal_width(int fd) {
    struct winsize w;
    if (ioctl(fd, TIOCGWINSZ, &w) != 0) return 0;
    return w.ws_col;
}

#define CSHIM_FNM_CASEFOLD (1 << 4)
#define CSHIM_FNM_LEADING_DIR (1 << 3)
#define CSHIM_PROC_SUPER_MAGIC 0x9fa0

/// fstatfs(2)'s f_type, or -1 with errno set.
static inline long cshim_fstatfs_type(int fd) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return -1;
    return (long)s.f_type;
}

/* Attribute changes on the object a descriptor (O_PATH included) refers
 * to, never on a name another process could swap for a symlink (tar -x).
 * The /proc/self/fd/N route is the fallback for kernels without the
 * AT_EMPTY_PATH forms; it reaches the same inode, not a name. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static inline int cshim_fd_path(int fd, char *buf, size_t n) {
    return snprintf(buf, n, "/proc/self/fd/%d", fd) < (int)n ? 0 : -1;
}

/// chmod of the descriptor's object: fchmodat2(fd, "", mode, AT_EMPTY_PATH)
/// (Linux 6.6), else chmod("/proc/self/fd/N"). Never call it on a symlink.
static inline int cshim_fd_chmod(int fd, unsigned mode) {
    if (syscall(SYS_fchmodat2, fd, "", mode, CSHIM_AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL && errno != EBADF && errno != EPERM) return -1;
    char p[40];
    if (cshim_fd_path(fd, p, sizeof p) != 0) return -1;
    return chmod(p, mode);
}

/// utimensat of the descriptor's object: utimensat(fd, "", t, AT_EMPTY_PATH),
/// else utimensat("/proc/self/fd/N").
static inline int cshim_fd_utimens(int fd, const struct timespec t[2]) {
    if (utimensat(fd, "", t, CSHIM_AT_EMPTY_PATH) == 0) return 0;
    if (errno != EINVAL && errno != EBADF && errno != ENOENT) return -1;
    char p[40];
    if (cshim_fd_path(fd, p, sizeof p) != 0) return -1;
    return utimensat(AT_FDCWD, p, t, 0);
}

/// fchown of the descriptor's object (a symlink itself when it is one).
static inline int cshim_fd_chown(int fd, unsigned uid, unsigned gid) {
    return fchownat(fd, "", uid, gid, CSHIM_AT_EMPTY_PATH);
}


/* stat -f: the statfs(2) fields GNU stat prints (f_fsid as its two words). */
#include <sys/xattr.h>
struct cshim_statfs {
    long type, bsize, namelen, frsize;
    unsigned long long blocks, bfree, bavail, files, ffree;
    unsigned fsid0, fsid1;
};
/// fstatfs(2) of a descriptor (O_PATH ones too, Linux 3.12). 0 or -1/errno.
static inline int cshim_fstatfs(int fd, struct cshim_statfs *o) {
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return -1;
    o->type = (long)s.f_type; o->bsize = (long)s.f_bsize; o->namelen = (long)s.f_namelen; o->frsize = (long)s.f_frsize;
    o->blocks = s.f_blocks; o->bfree = s.f_bfree; o->bavail = s.f_bavail; o->files = s.f_files; o->ffree = s.f_ffree;
    int w[2]; memcpy(w, &s.f_fsid, sizeof w);
    o->fsid0 = (unsigned)w[0]; o->fsid1 = (unsigned)w[1];
    return 0;
}
/// getxattr(2) of the object a descriptor (O_PATH ones too) refers to,
/// through /proc/self/fd/N. Returns the value's length or -1/errno.
static inline long cshim_fd_getxattr(int fd, const char *name, void *buf, size_t n) {
    char p[40];
    if (cshim_fd_path(fd, p, sizeof p) != 0) { errno = ENAMETOOLONG; return -1; }
    return (long)getxattr(p, name, buf, n);
}

#endif
