// CShim is header-only but for the terminal guard, whose handler needs state.
#include "cshim.h"
#include <stdio.h>

static int guard_fd = -1;
static struct termios guard_saved;
// The terminating signals, and the crashes (a Swift runtime trap is SIGILL or
// SIGTRAP): the terminal is given back before the process dies either way.
static const int guard_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };

static void guard_handler(int sig) {
    if (guard_fd >= 0) tcsetattr(guard_fd, TCSANOW, &guard_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cshim_tty_guard(int fd, const struct termios *saved) {
    struct sigaction sa = { 0 };
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = fd >= 0 ? guard_handler : SIG_DFL;
    if (fd >= 0) guard_saved = *saved;
    guard_fd = fd;
    for (unsigned i = 0; i < sizeof guard_signals / sizeof guard_signals[0]; i++) sigaction(guard_signals[i], &sa, 0);
}

int cshim_format_i32(char *buf, unsigned long size, const char *fmt, int v) { return snprintf(buf, size, fmt, v); }
int cshim_format_i64(char *buf, unsigned long size, const char *fmt, long long v) { return snprintf(buf, size, fmt, v); }
int cshim_format_u64(char *buf, unsigned long size, const char *fmt, unsigned long long v) { return snprintf(buf, size, fmt, v); }
int cshim_format_f64(char *buf, unsigned long size, const char *fmt, double v) { return snprintf(buf, size, fmt, v); }
