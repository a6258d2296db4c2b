import ToolboxFormats

// Every system call toolbox makes goes through these wrappers: they retry on
// EINTR and turn -1 into a thrown `Errno` (the swift-system convention).

/// Runs `body` until it returns something other than -1/EINTR.
@inlinable @inline(__always)
public func retryOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) throws(Errno) -> T {
    while true {
        let r = body()
        if r == -1 {
            let e = errno
            if e == EINTR { continue }
            throw Errno(e)
        }
        return r
    }
}

/// A file descriptor owned by the caller; close it with `close()`.
public struct FileDescriptor: Equatable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)
    /// AT_FDCWD, for the *at() calls.
    public static let currentDirectory = FileDescriptor(rawValue: AT_FDCWD)

    /// open(2)/openat(2). O_CLOEXEC is always added.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0,
                            relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> FileDescriptor {
        let fd = try retryOnInterrupt { openat(dir.rawValue, path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Same as `open`, but for a NUL-terminated C path (no String bridging).
    public static func open(cPath: UnsafePointer<CChar>, _ flags: Int32, mode: mode_t = 0,
                            relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> FileDescriptor {
        let fd = try retryOnInterrupt { openat(dir.rawValue, cPath, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// close(2). EINTR is not retried (Linux closes the fd anyway).
    public func close() { _ = Glibc_close(rawValue) }

    /// read(2) into `buffer`, retrying on EINTR. Returns the byte count (0 at EOF).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryOnInterrupt { Glibc_read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// pread(2) into `buffer` from `offset`, retrying on EINTR.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        try retryOnInterrupt { pread(rawValue, buffer.baseAddress, buffer.count, offset) }
    }

    /// write(2) of the whole buffer, looping over short writes.
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            let n = try retryOnInterrupt { Glibc_write(rawValue, buffer.baseAddress! + offset, buffer.count - offset) }
            offset += n
        }
    }

    /// fstat(2).
    public func stat() throws(Errno) -> Glibc_stat_t {
        var st = Glibc_stat_t()
        _ = try retryOnInterrupt { fstat(rawValue, &st) }
        return st
    }
}

// Names that would otherwise collide with FileDescriptor's own methods.
@inlinable @inline(__always) public func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
@inlinable @inline(__always) public func Glibc_read(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
@inlinable @inline(__always) public func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
public typealias Glibc_stat_t = stat

/// fstatat(2); `followSymlinks: false` is lstat.
public func fileStatus(_ path: String, relativeTo dir: FileDescriptor = .currentDirectory,
                       followSymlinks: Bool = true) throws(Errno) -> Glibc_stat_t {
    var st = Glibc_stat_t()
    _ = try retryOnInterrupt { fstatat(dir.rawValue, path, &st, followSymlinks ? 0 : AT_SYMLINK_NOFOLLOW) }
    return st
}

/// fstatat(2) of a C path (names that need not be UTF-8).
public func fileStatus(cPath: UnsafePointer<CChar>, relativeTo dir: FileDescriptor = .currentDirectory,
                       followSymlinks: Bool = true) throws(Errno) -> Glibc_stat_t {
    var st = Glibc_stat_t()
    _ = try retryOnInterrupt { fstatat(dir.rawValue, cPath, &st, followSymlinks ? 0 : AT_SYMLINK_NOFOLLOW) }
    return st
}

/// readlinkat(2), returning the link text.
public func readLink(_ path: String, relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> String {
    var cap = 256
    while true {
        let (n, s): (Int, String) = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: cap) { buf throws(Errno) in
            let n = try retryOnInterrupt { readlinkat(dir.rawValue, path, UnsafeMutableRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), cap) }
            if n >= cap { return (n, "") }
            return (n, String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self))
        }
        if n < cap { return s }
        cap *= 4
        if cap > 1 << 20 { throw Errno.nameTooLong }
    }
}

/// readlinkat(2) of a C path into `buffer` (no NUL added), retrying on
/// EINTR: the link's length, which equals `buffer.count` when it may have
/// been cut.
public func readLink(cPath: UnsafePointer<CChar>, relativeTo dir: FileDescriptor = .currentDirectory,
                     into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
    try retryOnInterrupt { readlinkat(dir.rawValue, cPath, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count) }
}
