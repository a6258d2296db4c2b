/* The floor for `ps -ef`: for every process, read /proc/PID/stat and
 * /proc/PID/cmdline and stat /proc/PID, with the cheapest calls available
 * (getdents64 on a /proc dirfd, openat relative to it, one buffer), and
 * print pid and command line. No ps can do less work. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "floor.h"

static int proc;

static void one(const char *name, void *arg) {
    (void)arg;
    static char buf[65536], path[64];
    if (name[0] < '1' || name[0] > '9') return;
    size_t len = strlen(name);
    struct stat st;
    if (fstatat(proc, name, &st, 0) != 0) return;
    memcpy(path, name, len);
    memcpy(path + len, "/stat", 6);
    int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t r = read(fd, buf, sizeof buf);
    close(fd);
    if (r <= 0) return;
    memcpy(path + len, "/cmdline", 9);
    fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r < 0) r = 0;
    for (ssize_t i = 0; i < r; i++) if (buf[i] == 0) buf[i] = ' ';
    put(name, len); put(" ", 1); put(buf, (size_t)r); put("\n", 1);
}

int main(void) {
    proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) return 1;
    each_entry(proc, one, NULL);
    flush();
    return 0;
}
