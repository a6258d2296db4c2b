import ToolboxFormats

/// A C `errno` value, thrown by the syscall wrappers in Syscall.swift.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(errno) }

    /// strerror(3) text, e.g. "No such file or directory".
    public var description: String {
        guard let p = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: p)
    }

    /// strerror text for messages in the `applet: what: reason` form, with
    /// its capital kept as GNU tools print it ("No such file or directory"):
    /// scripts and people grep for these.
    public var message: String { description }

    /// EPERM
    public static var notPermitted: Errno { Errno(EPERM) }
    /// ENOENT
    public static var noSuchFile: Errno { Errno(ENOENT) }
    /// ESRCH
    public static var noSuchProcess: Errno { Errno(ESRCH) }
    /// EINTR
    public static var interrupted: Errno { Errno(EINTR) }
    /// EACCES
    public static var permissionDenied: Errno { Errno(EACCES) }
    /// EEXIST
    public static var exists: Errno { Errno(EEXIST) }
    /// ENOTDIR
    public static var notDirectory: Errno { Errno(ENOTDIR) }
    /// EINVAL
    public static var invalidArgument: Errno { Errno(EINVAL) }
    /// EPIPE
    public static var brokenPipe: Errno { Errno(EPIPE) }
    /// ENOSYS
    public static var noSyscall: Errno { Errno(ENOSYS) }
    /// ELOOP
    public static var tooManySymlinks: Errno { Errno(ELOOP) }
    /// EXDEV
    public static var crossDevice: Errno { Errno(EXDEV) }
    /// EAGAIN
    public static var wouldBlock: Errno { Errno(EAGAIN) }
    /// ENAMETOOLONG
    public static var nameTooLong: Errno { Errno(ENAMETOOLONG) }
    /// EPROTONOSUPPORT
    public static var protocolNotSupported: Errno { Errno(EPROTONOSUPPORT) }
    /// EISDIR
    public static var isDirectory: Errno { Errno(EISDIR) }
    /// EBADF
    public static var badFileDescriptor: Errno { Errno(EBADF) }
    /// ENOBUFS
    public static var noBufferSpace: Errno { Errno(ENOBUFS) }
    /// EOPNOTSUPP
    public static var notSupported: Errno { Errno(EOPNOTSUPP) }

    /// Not found or gone: a process that exited mid-scan reports one of these.
    public var isVanished: Bool { self == .noSuchFile || self == .noSuchProcess }
    public var isPermission: Bool { self == .permissionDenied || self == .notPermitted }
}
