/* The floor for `lsof -p PID`'s descriptor rows: for every descriptor of
 * PID, the fewest calls that give lsof's columns (getdents64 of
 * /proc/PID/fd; readlinkat: NAME; an lstat of the link: the mode letter,
 * except sockets, always open read-write; a stat through the link: TYPE,
 * DEVICE, SIZE, NODE, except pipes and sockets, whose link text names the
 * inode), relative to one dirfd, into one buffer; prints fd and name. No
 * lsof can do less work for byte-equal rows. Usage: floor_lsof PID */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "floor.h"

static int dir;

static void one(const char *name, void *arg) {
    (void)arg;
    static char link[4096];
    if (name[0] < '0' || name[0] > '9') return;
    ssize_t k = readlinkat(dir, name, link, sizeof link);
    if (k <= 0) return;
    struct stat st;
    int sock = k > 7 && memcmp(link, "socket:", 7) == 0, pipe = k > 5 && memcmp(link, "pipe:", 5) == 0;
    if (!sock && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (!sock && !pipe && fstatat(dir, name, &st, 0) != 0) return;
    put(name, strlen(name)); put(" ", 1); put(link, (size_t)k); put("\n", 1);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/fd", argv[1]);
    dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 1;
    each_entry(dir, one, NULL);
    flush();
    return 0;
}
