/* Where a command's wall time goes on a shared machine: runs COMMAND, and
 * before reaping it (waitid WNOWAIT) reads its main thread's
 * /proc/PID/schedstat (time on a CPU, time waiting on a run queue) and its
 * rusage; prints one line to standard error:
 *   wall_ms run_ms runq_wait_ms other_ms cpu_ms
 * where other = wall - run - runq_wait (blocked: sleeps, I/O, waiting for
 * a child) and cpu = user+sys of the whole process (all threads, children
 * reaped by it included). Output of COMMAND goes where it would.
 * Usage: schedwait COMMAND [ARG...]     (kernel with CONFIG_SCHED_INFO) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: schedwait COMMAND [ARG...]\n"); return 2; }
    double start = now_ms();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) { execvp(argv[1], argv + 1); perror(argv[1]); _exit(127); }
    siginfo_t si;
    if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) != 0) { perror("waitid"); return 1; }
    double wall = now_ms() - start;
    char path[64]; unsigned long long run = 0, wait = 0;
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%llu %llu", &run, &wait) != 2) { fprintf(stderr, "schedwait: %s unreadable\n", path); return 1; }
    fclose(f);
    int status; struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 1; }
    double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
    fprintf(stderr, "%.1f %.1f %.1f %.1f %.1f\n", wall, run / 1e6, wait / 1e6, wall - run / 1e6 - wait / 1e6, cpu);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
