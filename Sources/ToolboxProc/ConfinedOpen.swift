import ToolboxFormats
import ToolboxSystem

/// O_PATH and O_NOATIME (glibc hides them without _GNU_SOURCE).
public let O_PATH: Int32 = CSHIM_O_PATH
public let O_NOATIME: Int32 = CSHIM_O_NOATIME

/// Which resolver `openInRoot` uses. `.automatic` tries openat2(2) and falls
/// back to the userspace walk when the kernel lacks it (ENOSYS, before 5.6)
/// or a seccomp profile refuses it (EPERM where the walk succeeds).
/// The environment variable TOOLBOX_CONFINED_WALK=userspace forces the walk
/// (for tests and for kernels whose seccomp profile hides openat2).
public enum ConfinedResolver: Sendable { case automatic, kernel, userspace }

nonisolated(unsafe) private var openat2Missing = false
nonisolated(unsafe) private var forcedWalk: Bool? = nil

private var walkForcedByEnvironment: Bool {
    if let f = forcedWalk { return f }
    let f = getenv("TOOLBOX_CONFINED_WALK").map { String(cString: $0) == "userspace" } ?? false
    forcedWalk = f
    return f
}

/// Opens `path` inside the directory `root` as if `root` were `/`: absolute
/// symlinks, `..` and magic links cannot leave it (openat2(2) with
/// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, Linux 5.6, or the same rule
/// walked in userspace by `walkInRoot` where openat2 is missing). This is how
/// files of another container are read through /proc/PID/root without
/// following links into the debugger's own filesystem.
public func openInRoot(_ root: FileDescriptor, _ path: String, flags: Int32 = O_RDONLY,
                       resolver: ConfinedResolver = .automatic) throws(Errno) -> FileDescriptor {
    let useKernel: Bool
    switch resolver {
    case .kernel: useKernel = true
    case .userspace: useKernel = false
    case .automatic: useKernel = !openat2Missing && !walkForcedByEnvironment
    }
    if useKernel {
        let resolve = UInt64(CSHIM_RESOLVE_IN_ROOT | CSHIM_RESOLVE_NO_MAGICLINKS)
        do {
            let fd = try retryOnInterrupt {
                cshim_openat2(root.rawValue, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), 0, resolve)
            }
            return FileDescriptor(rawValue: fd)
        } catch {
            if resolver == .kernel { throw error }
            if error == .noSyscall { openat2Missing = true }
            else if error == .notPermitted {
                // Container runtimes whose seccomp profile predates openat2
                // (docker < 20.10) refuse it with EPERM. If the walk succeeds
                // where openat2 "was not permitted", use the walk from now on.
                guard let r = try? walkInRoot(root, path, flags: flags).fd else { throw error }
                openat2Missing = true
                return r
            } else { throw error }
        }
    }
    return try walkInRoot(root, path, flags: flags).fd
}

/// The most symbolic links one resolution follows (the kernel's MAXSYMLINKS).
public let maxSymlinkFollows = 40

/// The userspace form of RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: walks
/// `path` component by component from `root` with O_PATH|O_NOFOLLOW opens;
/// a symbolic link's target is read and walked in its place (an absolute
/// target from `root` again), `..` pops back to the previous directory and
/// never goes above `root` (no `..` lookup is ever made, so a directory
/// moved out of the root cannot lead outside), a procfs magic link (e.g.
/// /proc/self/root inside the container) fails with ELOOP, and more than
/// 40 links fail with ELOOP. The last component is opened with `flags`
/// (O_NOFOLLOW in `flags` keeps a final symlink unfollowed, as open(2)).
/// Also returns the canonical path inside the root (`readlink -f`).
public func walkInRoot(_ root: FileDescriptor, _ path: String, flags: Int32 = O_RDONLY) throws(Errno) -> (fd: FileDescriptor, path: String) {
    let r = try walkInRoot(root, path, flags: flags, allowMissingLast: false)
    return (r.fd!, r.path)
}

/// `walkInRoot`, where with `allowMissingLast` a last component that does
/// not exist is not an error (fd nil; the path names it): `readlink -f`.
/// `followMagicLinks` reads magic links as text (for the debugger's own
/// paths, where /proc/self/exe should resolve as readlink -f does).
public func walkInRoot(_ root: FileDescriptor, _ path: String, flags: Int32,
                       allowMissingLast: Bool, followMagicLinks: Bool = false) throws(Errno) -> (fd: FileDescriptor?, path: String) {
    var dirs: [FileDescriptor] = []       // opened directories below root
    var names: [String] = []              // their names, for the canonical path
    defer { for d in dirs { d.close() } }
    var current: FileDescriptor { dirs.last ?? root }
    // Components still to walk, in reverse order (popLast is the next one).
    var pending: [Substring] = []
    func push(_ p: String) {
        var comps = p.split(separator: "/", omittingEmptySubsequences: true)
        if p.hasSuffix("/") && !comps.isEmpty { comps.append(".") }   // trailing slash: must be a directory
        pending.append(contentsOf: comps.reversed())
    }
    push(path)
    var links = 0
    let followLast = flags & O_NOFOLLOW == 0
    while let comp = pending.popLast() {
        let isLast = pending.isEmpty
        if comp == "." || comp == ".." {
            if comp == "..", let d = dirs.popLast() { d.close(); names.removeLast() }
            if isLast {
                let fd = try FileDescriptor.open(".", flags, relativeTo: current)
                return (fd, "/" + names.joined(separator: "/"))
            }
            continue
        }
        let name = String(comp)
        let probe: FileDescriptor
        do { probe = try FileDescriptor.open(name, O_PATH | O_NOFOLLOW, relativeTo: current) } catch {
            if error == .noSuchFile && isLast && allowMissingLast { return (nil, "/" + (names + [name]).joined(separator: "/")) }
            if error == .noSuchFile && isLast && flags & O_CREAT != 0 {
                // Created here, as openat2 would (tar -cf into a container).
                let fd = try FileDescriptor.open(name, flags | O_NOFOLLOW, mode: 0o600, relativeTo: current)
                return (fd, "/" + (names + [name]).joined(separator: "/"))
            }
            throw error
        }
        let st: Glibc_stat_t
        do { st = try probe.stat() } catch { probe.close(); throw error }
        let type = st.st_mode & S_IFMT
        if type == S_IFLNK && (!isLast || followLast) {
            defer { probe.close() }
            if !followMagicLinks, try isMagicLink(probe, parent: current) { throw Errno.tooManySymlinks }
            links += 1
            if links > maxSymlinkFollows { throw Errno.tooManySymlinks }
            let target = try readLink("", relativeTo: probe)
            if target.isEmpty { throw Errno.noSuchFile }
            if target.hasPrefix("/") {
                for d in dirs { d.close() }
                dirs.removeAll(); names.removeAll()
            }
            push(target)
            continue
        }
        if isLast {
            if flags & O_PATH != 0 && flags & O_DIRECTORY == 0 {
                return (probe, "/" + (names + [name]).joined(separator: "/"))
            }
            probe.close()
            let fd = try FileDescriptor.open(name, flags | O_NOFOLLOW, relativeTo: current)
            return (fd, "/" + (names + [name]).joined(separator: "/"))
        }
        guard type == S_IFDIR else { probe.close(); throw Errno.notDirectory }
        dirs.append(probe); names.append(name)
    }
    // Empty path or "/": the root itself.
    let fd = try FileDescriptor.open(".", flags, relativeTo: current)
    return (fd, "/" + names.joined(separator: "/"))
}

/// A procfs symbolic link outside the procfs root directory (/proc/PID/root,
/// /proc/PID/fd/N, /proc/PID/exe ...) is a magic link; /proc/self and
/// /proc/thread-self (in the procfs root, inode 1) are ordinary links.
private func isMagicLink(_ link: FileDescriptor, parent: FileDescriptor) throws(Errno) -> Bool {
    let type = cshim_fstatfs_type(link.rawValue)
    if type == -1 { throw Errno.current }
    guard type == CSHIM_PROC_SUPER_MAGIC else { return false }
    let parentStat = try parent.stat()
    return parentStat.st_ino != 1
}

/// Reads `path` resolved inside the open root directory `root` (with
/// O_NOATIME where permitted: reading never changes the target).
public func readFileInRoot(_ root: FileDescriptor, _ path: String) throws(Errno) -> [UInt8] {
    let fd = try openNoAtime(O_RDONLY | O_NOATIME) { f throws(Errno) in try openInRoot(root, path, flags: f) }
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
        // A relative path reaches a container root when the working
        // directory is under the proc root (`cd /proc/8 && ls root/etc`).
        var full = path
        if !path.hasPrefix("/") {
            guard !path.isEmpty, let cwd = workingDirectory() else { return }
            full = cwd == "/" ? "/" + path : cwd + "/" + path
        }
        // Any spelling of the magic link is recognised (`/proc//8/./root`,
        // `/proc/self/../8/root`, `/proc/8/task/9/root`), so that no spelling
        // escapes confinement.
        // Components are compared, not strings: no String searching (which
        // would link _StringProcessing, ~450 KB, into the static binary).
        let base = procRoot.split(separator: "/")
        let parts = full.split(separator: "/").filter { $0 != "." }
        guard parts.count > base.count, Array(parts[..<base.count]) == base else { return }
        // The PID and root|cwd components, or PID, task, TID and root|cwd.
        var head: [Substring] = []
        var i = base.count
        func complete() -> Bool {
            (head.count == 2 && (head[1] == "root" || head[1] == "cwd"))
                || (head.count == 4 && head[1] == "task" && (head[3] == "root" || head[3] == "cwd"))
        }
        while i < parts.count, !complete() {
            let c = parts[i]; i += 1
            if c == ".." {
                if head.isEmpty { return }     // above the proc root: not a container path
                head.removeLast()
            } else {
                head.append(c)
                if head.count == 2 && head[1] != "task" && !complete() { return }
                if head.count > 4 { return }
            }
        }
        guard complete() else { return }
        let who = head.count == 4 ? head[2] : head[0]
        if head.count == 2 && (who == "self" || who == "thread-self") { pid = nil }
        else if let p = Int32(who), p > 0 { pid = p }
        else { return }
        guard head.count == 2 || head[0] == "self" || head[0] == "thread-self" || Int32(head[0]) != nil else { return }
        let prefix = "/" + base.joined(separator: "/") + (base.isEmpty ? "" : "/")
        root = prefix + head.joined(separator: "/")
        inner = "/" + parts[i...].joined(separator: "/")
        if path.hasSuffix("/") && inner.count > 1 { inner += "/" }
    }
}

/// getcwd(3), or nil when it fails or the directory is not reachable from
/// this process's root (Linux then reports "(unreachable)/...").
func workingDirectory() -> String? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4097) { buf -> String? in
        guard getcwd(buf.baseAddress!, buf.count) != nil, buf[0] == 0x2F else { return nil }
        return String(cString: buf.baseAddress!)
    }
}

/// Opens a path as the user typed it. A path through `/proc/PID/root` or
/// `/proc/PID/cwd` is resolved confined to that root (see `openInRoot`),
/// the root itself being opened directly or, when ptrace access is refused,
/// with the target's borrowed identity (see `PathOpener`); any other path
/// is opened as usual. `flags` may include O_PATH, O_DIRECTORY, O_NOFOLLOW,
/// O_NOATIME (dropped again when the kernel refuses it with EPERM).
public func openUserPath(_ path: String, flags: Int32 = O_RDONLY, procRoot: String = "/proc") throws(Errno) -> FileDescriptor {
    let opener = PathOpener(procRoot: procRoot)
    do { return try opener.open(path, flags: flags).fd }
    catch { throw error.errno }
}
