/* bench/inspect.sh's target: N descriptors (/dev/null, plus a few sockets
 * and pipes) and T threads, then sleeps. Usage: fdhog FDS THREADS */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void *idle(void *a) { (void)a; for (;;) pause(); return NULL; }

int main(int argc, char **argv) {
    long fds = argc > 1 ? atol(argv[1]) : 10000, threads = argc > 2 ? atol(argv[2]) : 1000;
    struct rlimit r = { (rlim_t)fds + 64, (rlim_t)fds + 64 };
    if (setrlimit(RLIMIT_NOFILE, &r) != 0) { perror("setrlimit"); return 1; }
    for (int i = 0; i < 16; i++) { int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv); int p[2]; pipe(p); }
    for (long i = 0; i < fds - 64; i++) if (open("/dev/null", O_RDONLY) < 0) { perror("open"); return 1; }
    pthread_attr_t at; pthread_attr_init(&at); pthread_attr_setstacksize(&at, 64 << 10);
    for (long i = 0; i < threads - 1; i++) { pthread_t t; if (pthread_create(&t, &at, idle, NULL)) { perror("pthread_create"); return 1; } }
    printf("ready\n"); fflush(stdout);
    for (;;) pause();
}
