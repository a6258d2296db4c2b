// getdents64(2) for the ps hot path: glibc declares getdents64() only with
// _GNU_SOURCE, and Swift cannot call the variadic syscall(2) directly.
#ifndef TOOLBOX_PROCSCAN_H
#define TOOLBOX_PROCSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/// getdents64(2): fills `buf` with struct linux_dirent64 records
/// (u64 ino, s64 off, u16 reclen, u8 type, char name[]). Returns the byte
/// count, 0 at the end, -1 with errno set.
static inline long cshim_getdents64(int fd, void *buf, size_t len) {
    return syscall(SYS_getdents64, fd, buf, len);
}

#endif
