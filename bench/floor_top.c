/* The floor for `top -b -n 1`: two scans of /proc 0.15 s apart; per
 * process /proc/PID/stat read in both (the CPU rate needs two samples),
 * /proc/PID/statm and the owner (fstat of the open stat) in the second,
 * with the cheapest calls (getdents64 on a /proc dirfd, openat relative to
 * it, one buffer); prints pid and stat's first bytes. No top can do less.
 * Usage: floor_top [k][r]  (k: the first scan's stat descriptors are kept
 * and read again with pread, as toolbox top does; r: also stat
 * /proc/PID/root, the identity toolbox names users by) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "floor.h"

static int pids[1 << 16], fds[1 << 16], npids;
static void add(const char *name, void *arg) {
    (void)arg;
    if (name[0] >= '1' && name[0] <= '9' && npids < (1 << 16)) pids[npids++] = atoi(name);
}
static void list(int proc) { npids = 0; lseek(proc, 0, SEEK_SET); each_entry(proc, add, NULL); }

int main(int argc, char **argv) {
    int keep = argc > 1 && strchr(argv[1], 'k'), root = argc > 1 && strchr(argv[1], 'r');
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    static char buf[4096], path[64];
    list(proc);
    for (int i = 0; i < npids; i++) {
        snprintf(path, sizeof path, "%d/stat", pids[i]);
        int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
        fds[i] = fd;
        if (fd < 0) continue;
        if (read(fd, buf, sizeof buf) < 0) {}
        if (!keep) close(fd);
    }
    int first = npids; static int firstPids[1 << 16]; memcpy(firstPids, pids, sizeof(int) * npids);
    usleep(150000);
    list(proc);
    int j = 0;
    for (int i = 0; i < npids; i++) {
        while (keep && j < first && firstPids[j] < pids[i]) { if (fds[j] >= 0) close(fds[j]); j++; }
        int fd = -1;
        if (keep && j < first && firstPids[j] == pids[i]) fd = fds[j++];
        if (fd < 0) { snprintf(path, sizeof path, "%d/stat", pids[i]); fd = openat(proc, path, O_RDONLY | O_CLOEXEC); }
        if (fd < 0) continue;
        struct stat st;
        ssize_t k = pread(fd, buf, sizeof buf, 0);
        fstat(fd, &st);
        close(fd);
        if (k <= 0) continue;
        snprintf(path, sizeof path, "%d/statm", pids[i]);
        int m = openat(proc, path, O_RDONLY | O_CLOEXEC);
        if (m >= 0) { if (read(m, buf + 2048, 2048) < 0) {} close(m); }
        if (root) { snprintf(path, sizeof path, "%d/root", pids[i]); fstatat(proc, path, &st, 0); }
        put(buf, k > 40 ? 40 : (size_t)k); put("\n", 1);
    }
    flush();
    return 0;
}
