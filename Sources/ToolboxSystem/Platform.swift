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

// MARK: - printf of one number

/// `snprintf(format, v)` for one number of a known type, through cshim
/// (no CVarArg: see cshim_format_i32). `format` holds one conversion for
/// that type: `%d`-like for Int32, `%lld`-like for Int64, `%llu`/`%llo`/
/// `%llx`-like for UInt64, `%f`/`%g`/`%e`-like for Double.
@inline(never)
public func cFormatted(_ format: String, _ call: (UnsafeMutablePointer<CChar>, UInt, UnsafePointer<CChar>) -> Int32) -> String {
    format.withCString { f in
        let small = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buf -> String? in
            let n = Int(call(buf.baseAddress!, 128, f))
            guard n >= 0, n < 128 else { return n < 0 ? "" : nil }
            return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
        if let small { return small }
        // longer than 127 bytes (a wide field): measure, then format again
        let n = Int(call(UnsafeMutablePointer<CChar>(bitPattern: 1)!, 0, f))
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> String in
            _ = call(buf.baseAddress!, UInt(n + 1), f)
            return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }
}
public func cFormatted(_ format: String, _ v: Int32) -> String { cFormatted(format) { cshim_format_i32($0, $1, $2, v) } }
public func cFormatted(_ format: String, _ v: Int64) -> String { cFormatted(format) { cshim_format_i64($0, $1, $2, v) } }
public func cFormatted(_ format: String, _ v: UInt64) -> String { cFormatted(format) { cshim_format_u64($0, $1, $2, v) } }
public func cFormatted(_ format: String, _ v: Double) -> String { cFormatted(format) { cshim_format_f64($0, $1, $2, v) } }
