/* The e2e "unhealthy" app for `inspect` (InspectE2ETests): static, no libc
 * beyond what -static gives. It
 *   --alloc MB   allocates and touches MB MiB (resident, counted by the memory cgroup),
 *   --fds N      leaks N descriptors of /dev/null, plus one TCP listener on
 *                127.0.0.1:9090, one connected TCP pair and one pipe,
 *   --forks N    forks N children that sleep,
 *   --spin       forks one child that spins on the CPU (throttled by --cpus),
 * then sleeps. On SIGUSR1 it forks a child that allocates 1 MiB at a time
 * until the OOM killer kills it (it sets its oom_score_adj to 1000 first, so
 * it is the one killed, not the larger parent). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t hog = 0;
static void on_usr1(int sig) { (void)sig; hog = 1; }

int main(int argc, char **argv) {
    long alloc = 0, fds = 0, forks = 0;
    int spin = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--alloc") && i + 1 < argc) alloc = atol(argv[++i]);
        else if (!strcmp(argv[i], "--fds") && i + 1 < argc) fds = atol(argv[++i]);
        else if (!strcmp(argv[i], "--forks") && i + 1 < argc) forks = atol(argv[++i]);
        else if (!strcmp(argv[i], "--spin")) spin = 1;
        else { fprintf(stderr, "unhealthy: unknown argument %s\n", argv[i]); return 2; }
    }
    signal(SIGUSR1, on_usr1);
    for (long i = 0; i < forks; i++) {
        pid_t p = fork();
        if (p == 0) { for (;;) pause(); }
    }
    if (spin && fork() == 0) { volatile unsigned long x = 0; for (;;) x++; }
    if (alloc > 0) {
        char *p = malloc((size_t)alloc << 20);
        if (!p) { perror("malloc"); return 1; }
        memset(p, 0x5a, (size_t)alloc << 20);
    }
    for (long i = 0; i < fds; i++) {
        if (open("/dev/null", O_RDONLY) < 0) { perror("open /dev/null"); break; }
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9090) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0) { perror("listen 127.0.0.1:9090"); return 1; }
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); return 1; }
    int s = accept(l, NULL, NULL);
    (void)s;
    int pp[2];
    if (pipe(pp) < 0) { perror("pipe"); return 1; }
    fprintf(stderr, "unhealthy: ready\n");
    for (;;) {
        pause();
        if (hog) {
            hog = 0;
            if (fork() == 0) {
                int o = open("/proc/self/oom_score_adj", O_WRONLY);
                if (o >= 0) { (void)!write(o, "1000", 4); close(o); }
                for (;;) { char *m = malloc(1 << 20); if (m) memset(m, 1, 1 << 20); }
            }
        }
    }
}
