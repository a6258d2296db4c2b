// GNU regex syntaxes for find -regextype (implemented in gnuregex.c).
#ifndef TOOLBOX_GNUREGEX_H
#define TOOLBOX_GNUREGEX_H
#include <stddef.h>

#define CSHIM_RX_FINDUTILS_DEFAULT 0
#define CSHIM_RX_EMACS 1
#define CSHIM_RX_POSIX_BASIC 2
#define CSHIM_RX_POSIX_EXTENDED 3
#define CSHIM_RX_POSIX_EGREP 4
#define CSHIM_RX_POSIX_AWK 5
#define CSHIM_RX_GREP 6
#define CSHIM_RX_EGREP 7
#define CSHIM_RX_AWK 8
#define CSHIM_RX_GNU_AWK 9
#define CSHIM_RX_ED 10
#define CSHIM_RX_SED 11
#define CSHIM_RX_POSIX_MINIMAL_BASIC 12

/// Compiles `pattern` in syntax `kind` (CSHIM_RX_*); NULL and `*error` on failure.
void *cshim_gnu_regex_compile(const char *pattern, size_t len, int kind, int icase, const char **error);
/// 1 when all of the `len` bytes at `s` match.
int cshim_gnu_regex_matches_all(void *re, const char *s, size_t len);
#endif
