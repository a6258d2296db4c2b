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

/// A user-supplied path split at a container root: `/proc/8/root/etc/x`
/// becomes root `/proc/8/root` and inner path `/etc/x`. Paths that do not
/// go through `/proc/PID/root` or `/proc/PID/cwd` have no root.
public struct SplitPath: Equatable, Sendable {
    /// `/proc/PID/root` or `/proc/PID/cwd` (under the ProcFS root), or nil.
    public var root: String?
    /// The pid named in the path (nil for `self` or no root).
    public var pid: Int32?
    /// The rest, always starting with `/` when there is a root.
    public var inner: String

    public init(_ path: String, procRoot: String = "/proc") {
        root = nil; pid = nil; inner = path
        let prefix = procRoot.hasSuffix("/") ? procRoot : procRoot + "/"
        guard path.hasPrefix(prefix) else { return }
        let rest = path.dropFirst(prefix.count).split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard rest.count >= 2, rest[1] == "root" || rest[1] == "cwd" else { return }
        let who = rest[0]
        if who == "self" || who == "thread-self" { pid = nil }
        else if let p = Int32(who), p > 0 { pid = p }
        else { return }
        root = prefix + who + "/" + rest[1]
        inner = "/" + (rest.count > 2 ? String(rest[2]) : "")
    }
}

/// Opens a path as the user typed it. A path through `/proc/PID/root` or
/// `/proc/PID/cwd` is resolved confined to that root (see `openInRoot`);
/// any other path is opened as usual. `flags` may include O_PATH,
/// O_DIRECTORY, O_NOFOLLOW. This is the seam every filesystem applet uses;
/// the access mechanism behind it (borrowed identity when ptrace access is
/// refused) lives in this file.
public func openUserPath(_ path: String, flags: Int32 = O_RDONLY, procRoot: String = "/proc") throws(Errno) -> FileDescriptor {
    let split = SplitPath(path, procRoot: procRoot)
    guard let root = split.root else { return try FileDescriptor.open(path, flags) }
    let rootFD = try FileDescriptor.open(root, O_PATH | O_DIRECTORY)
    defer { rootFD.close() }
    if split.inner == "/" { return try FileDescriptor.open(".", flags, relativeTo: rootFD) }
    return try openInRoot(rootFD, split.inner, flags: flags)
}
