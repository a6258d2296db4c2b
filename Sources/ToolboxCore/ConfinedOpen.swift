/// O_PATH and O_NOATIME (glibc hides them without _GNU_SOURCE).
public let O_PATH: Int32 = CSHIM_O_PATH
public let O_NOATIME: Int32 = CSHIM_O_NOATIME

/// Opens `path` inside the directory `root` as if `root` were `/`: absolute
/// symlinks, `..` and magic links cannot leave it (openat2(2) with
/// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, Linux 5.6). This is how files of
/// another container are read through /proc/PID/root without following
/// links into the debugger's own filesystem. Throws ENOSYS before 5.6.
public func openInRoot(_ root: FileDescriptor, _ path: String, flags: Int32 = O_RDONLY) throws(Errno) -> FileDescriptor {
    let resolve = UInt64(CSHIM_RESOLVE_IN_ROOT | CSHIM_RESOLVE_NO_MAGICLINKS)
    let fd = try retryOnInterrupt {
        cshim_openat2(root.rawValue, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), 0, resolve)
    }
    return FileDescriptor(rawValue: fd)
}

/// Reads `path` resolved inside the root directory at `rootPath` (e.g.
/// "/proc/42/root" and "/etc/passwd").
public func readFileInRoot(_ rootPath: String, _ path: String) throws(Errno) -> [UInt8] {
    let root = try FileDescriptor.open(rootPath, O_PATH | O_DIRECTORY)
    defer { root.close() }
    let fd = try openInRoot(root, path)
    defer { fd.close() }
    return try ReadBuffer(capacity: 4096).contents(of: fd)
}
