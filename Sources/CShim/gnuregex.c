// GNU regex (re_compile_pattern / re_match) with findutils' -regextype
// syntaxes: the POSIX regcomp(3) interface has no emacs syntax, which is GNU
// find's default. Compiled here (not header-only) because it needs
// _GNU_SOURCE before <regex.h>.
#define _GNU_SOURCE 1
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "include/gnuregex.h"

static reg_syntax_t syntax_for(int kind) {
    switch (kind) {
    case CSHIM_RX_EMACS: return RE_SYNTAX_EMACS;
    case CSHIM_RX_POSIX_BASIC: return RE_SYNTAX_POSIX_BASIC;
    case CSHIM_RX_POSIX_EXTENDED: return RE_SYNTAX_POSIX_EXTENDED;
    case CSHIM_RX_POSIX_EGREP: return RE_SYNTAX_POSIX_EGREP;
    case CSHIM_RX_POSIX_AWK: return RE_SYNTAX_POSIX_AWK;
    case CSHIM_RX_GREP: return RE_SYNTAX_GREP;
    case CSHIM_RX_EGREP: return RE_SYNTAX_EGREP;
    case CSHIM_RX_AWK: return RE_SYNTAX_AWK;
    case CSHIM_RX_GNU_AWK: return RE_SYNTAX_GNU_AWK;
    case CSHIM_RX_ED: return RE_SYNTAX_ED;
    case CSHIM_RX_SED: return RE_SYNTAX_SED;
    case CSHIM_RX_POSIX_MINIMAL_BASIC: return RE_SYNTAX_POSIX_MINIMAL_BASIC;
    default: return RE_SYNTAX_EMACS | RE_DOT_NEWLINE; /* findutils-default */
    }
}

void *cshim_gnu_regex_compile(const char *pattern, size_t len, int kind, int icase, const char **error) {
    struct re_pattern_buffer *re = calloc(1, sizeof *re);
    if (!re) { *error = "memory exhausted"; return NULL; }
    re_syntax_options = syntax_for(kind) | (icase ? RE_ICASE : 0);
    re->allocated = 100;
    re->buffer = malloc(re->allocated);
    re->fastmap = NULL;
    re->translate = NULL;
    re->no_sub = 1;
    const char *err = re_compile_pattern(pattern, len, re);
    if (err) { regfree(re); free(re); *error = err; return NULL; }
    return re;
}

/// 1 when the whole of `s` matches (findutils: re_match(...) == len).
int cshim_gnu_regex_matches_all(void *re, const char *s, size_t len) {
    return re_match((struct re_pattern_buffer *)re, s, (regoff_t)len, 0, NULL) == (regoff_t)len;
}
