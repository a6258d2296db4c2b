// The Swift runtime's path helpers (stdlib/public/runtime/Paths.cpp), for the
// static `toolbox` executable: without these definitions the linker pulls
// Paths.cpp.o out of libswiftCore.a, and Backtrace.cpp's static constructor
// calls swift_copyAuxiliaryExecutablePath("swift-backtrace") at start-up,
// which finds the runtime's own path through /proc/self/exe and aborts with
// "Unable to obtain Swift runtime path" when /proc is empty (a chroot or a
// mount namespace without procfs): every invocation, --version included,
// died with SIGABRT. A static toolbox has no swift-backtrace beside it, so
// the real function returned NULL here anyway (backtracing stays off); these
// return NULL without looking. Backtrace.cpp.o is the only caller (checked
// with nm against libswiftCore.a, Swift 6.x). As with argv.c, a runtime that
// moves other symbols into Paths.cpp.o fails to link (duplicate definition)
// instead of silently changing behaviour.

#include <stddef.h>

const char *swift_getRuntimeLibraryPath(void) { return NULL; }
const char *swift_getRootPath(void) { return NULL; }
char *swift_copyAuxiliaryExecutablePath(const char *name) { (void)name; return NULL; }
