// argc/argv for the Swift runtime of the static `toolbox` executable.
//
// Linked only into the executable (not into the test bundle). It defines the
// two functions that the stdlib's CommandLine asks the runtime for, so the
// linker never pulls CommandLine.cpp.o out of libswiftCore.a. That object's
// static constructor finds argv by opening and sscanf-parsing
// /proc/self/maps to locate the stack (it must work when the runtime is
// dlopen'ed); in a static executable it is half of the runtime's start-up work
// (~50k instructions, an open/read/close of /proc/self/maps). glibc passes
// argc/argv/envp to ELF constructors in static and dynamic executables alike,
// so we take them from there.
//
// Same contract as the runtime's (Swift 6.3 stdlib/public/CommandLineSupport):
// an override set by _swift_stdlib_overrideUnsafeArgvArgc wins; otherwise the
// process's argv, or an empty one. If a future runtime moves other symbols
// into CommandLine.cpp.o, the link fails with a duplicate definition instead
// of silently running two argv grabbers.

static char *emptyArgv[] = {0};
static char **processArgv;
static int processArgc;
static char **overrideArgv;
static int overrideArgc;

__attribute__((constructor(101), used))
static void toolboxGrabArgv(int argc, char **argv, char **envp) {
    (void)envp;
    processArgc = argc;
    processArgv = argv;
}

char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    if (overrideArgv) { *outArgLen = overrideArgc; return overrideArgv; }
    if (processArgv) { *outArgLen = processArgc; return processArgv; }
    *outArgLen = 0;
    return emptyArgv;
}

void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
    overrideArgv = argv;
    overrideArgc = argc;
}
