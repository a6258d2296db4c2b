/* floor_ps: the fewest system calls that give toolbox ps -ef's columns with
 * its correctness rules, to compare with busybox ps (bench/sh.sh pipeline).
 * Per process: /proc/PID/stat (open, read, fstat for the owner, close);
 * status when /proc/PID is root-owned and not a kernel thread (the owner of
 * a non-dumpable process reads as root: status has its euid); cmdline; and
 * the identity of /proc/PID/root (users named from the container's passwd).
 * Mode "b" makes busybox ps's reads instead (stat of /proc/PID, stat,
 * cmdline). Prints one short line per process.
 * cc -O2 -o floor_ps bench/floor_ps.c; ./floor_ps [b] > /dev/null */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[16384], out[1 << 16];

int main(int argc, char **argv) {
    int bb = argc > 1 && argv[1][0] == 'b';
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fdopendir(dup(proc));
    struct dirent *e;
    size_t used = 0;
    char path[64];
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        struct stat st;
        if (bb) {
            if (fstatat(proc, e->d_name, &st, 0) != 0) continue;
        }
        snprintf(path, sizeof path, "%s/stat", e->d_name);
        int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (!bb) fstat(fd, &st);
        close(fd);
        if (n <= 0) continue;
        char *rp = memrchr(buf, ')', n);
        int kthread = 0;
        if (rp) { /* flags (field 9) & PF_KTHREAD */
            char *p = rp + 2; int f = 3;
            while (f < 9 && p < buf + n) { if (*p++ == ' ') f++; }
            kthread = (strtoul(p, 0, 10) & 0x00200000) != 0;
        }
        if (!bb && st.st_uid == 0 && !kthread) {
            snprintf(path, sizeof path, "%s/status", e->d_name);
            fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0) { read(fd, buf, sizeof buf); close(fd); }
        }
        snprintf(path, sizeof path, "%s/cmdline", e->d_name);
        fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { n = read(fd, buf, sizeof buf); close(fd); }
        if (!bb && !kthread) {
            snprintf(path, sizeof path, "%s/root", e->d_name);
            fstatat(proc, path, &st, 0);
        }
        used += snprintf(out + used, 64, "%u %s\n", st.st_uid, e->d_name);
        if (used > sizeof out - 128) { write(1, out, used); used = 0; }
    }
    write(1, out, used);
    return 0;
}
