// The one place that names the C library. Everything else in toolbox
// imports ToolboxCore and gets Glibc (or Musl) through it.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#else
#error("toolbox supports Linux with Glibc or Musl only")
#endif
@_exported import CShim
