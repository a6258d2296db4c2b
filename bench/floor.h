/* Shared by the bench/floor_*.c programs: one 64 KiB output buffer over
 * write(2) (what any tool's buffered output costs at least). */
#include <string.h>
#include <unistd.h>

static char out[1 << 16];
static size_t outn;
static void flush(void) { if (outn) { if (write(1, out, outn) < 0) {} outn = 0; } }
static void put(const char *s, size_t n) {
    if (outn + n > sizeof out) flush();
    if (n > sizeof out) { if (write(1, s, n) < 0) {} return; }
    memcpy(out + outn, s, n); outn += n;
}

/* Calls f(name, arg) for each entry of directory `dir` from its current
 * offset (getdents64 into one buffer). */
#include <sys/syscall.h>
static void each_entry(int dir, void (*f)(const char *name, void *arg), void *arg) {
    static char dents[65536];
    long n;
    while ((n = syscall(SYS_getdents64, dir, dents, sizeof dents)) > 0)
        for (long off = 0; off < n;) {
            unsigned short reclen = *(unsigned short *)(dents + off + 16);
            const char *name = dents + off + 19;
            off += reclen;
            f(name, arg);
        }
}
