import ToolboxFormats
import ToolboxSystem

// Access to another process's /proc/PID/root, /proc/PID/cwd and /proc/PID/fd.
//
// The kernel guards these with a ptrace-read check (ptrace(2), "Ptrace access
// mode checking"): the caller's fs uid/gid must match the target's, and its
// capabilities must include the target's permitted set, unless it has
// CAP_SYS_PTRACE. A debug container running as root without CAP_SYS_PTRACE
// is refused a uid-1000 app's root. With cap_setuid and cap_setgid (in the
// default sets of docker, containerd and CRI-O) a forked child can take the
// target's uid and gid, open the entry, and hand the descriptor back
// (borrow.h). This process never changes identity, so it keeps its own file
// permissions on what it reads through the descriptor.

/// The /proc/PID entries that open a process's view of the file system.
public enum ProcEntry: String, Sendable {
    case root, cwd, fd
}

/// How an entry was opened.
public enum ProcAccessWay: Equatable, Sendable, CustomStringConvertible {
    case direct
    case borrowed(uid: UInt32, gid: UInt32)

    public var description: String {
        switch self {
        case .direct: return "direct"
        case .borrowed(let uid, _): return "borrowed uid \(uid)"
        }
    }
}

/// A path that could not be opened: `subject: detail` (detail defaults to
/// the lowercase strerror text). For a refused /proc/PID/root the subject
/// is the entry and the detail explains why and how to fix it.
public struct PathError: Error, Equatable, CustomStringConvertible {
    public let subject: String
    public let errno: Errno
    public let detail: String?

    public init(_ subject: String, _ errno: Errno, detail: String? = nil) {
        self.subject = subject; self.errno = errno; self.detail = detail
    }
    public var message: String { "\(subject): \(detail ?? errno.message)" }
    public var description: String { message }
}

/// A user path once opened: the descriptor (owned by the caller) and, for a
/// path through /proc/PID/root or cwd, the root it was resolved in (owned by
/// the opener: valid while the opener lives).
public struct OpenedPath {
    public let fd: FileDescriptor
    public let root: ConfinedRoot?
}

/// An opened /proc/PID/root (or cwd) that paths are resolved inside.
public struct ConfinedRoot {
    /// `/proc/PID/root` or `/proc/PID/cwd` as the user wrote it (under the ProcFS root).
    public let path: String
    public let pid: Int32?
    /// The container's root directory (for cwd paths too).
    public let fd: FileDescriptor
    public let access: ProcAccessWay
    /// Where `path` is inside the root: "/" for /proc/PID/root, the working
    /// directory's path for /proc/PID/cwd.
    public let base: String
    /// `/proc/PID/root`, the prefix for canonical paths inside the root.
    public let rootPath: String

    /// The root-relative path for `inner` (which starts with `/`) under `path`.
    public func resolve(_ inner: String) -> String {
        base == "/" ? inner : (inner == "/" ? base : base + inner)
    }
}

/// Opens user paths, caching each /proc/PID/root it opens for the opener's
/// lifetime (one fork per root at most when access is borrowed). Applets
/// create one per run; `onAccess` is told once per root how it was opened
/// (for `--verbose`).
public final class PathOpener {
    public let procfs: ProcFS
    public var onAccess: ((ConfinedRoot) -> Void)?
    public var resolver: ConfinedResolver = .automatic
    private var roots: [String: ConfinedRoot] = [:]
    private var extraFDs: [FileDescriptor] = []

    public init(procRoot: String = "/proc") { procfs = ProcFS(root: procRoot) }
    deinit { for fd in extraFDs { fd.close() } }

    /// The open root for a `/proc/PID/root` path, opening it if needed.
    /// A `/proc/PID/cwd` path is resolved in the container's root too (so
    /// absolute links and `..` above the working directory behave as inside
    /// the container): the working directory's path inside the root is found
    /// by walking up from it; if it is not below the root, the working
    /// directory itself is the root.
    public func root(_ rootPath: String, pid: Int32?) throws(PathError) -> ConfinedRoot {
        if let r = roots[rootPath] { return r }
        // /proc/P/task/T/root is opened as /proc/T/root: T must be a thread
        // of P, or another process's root would be shown under P's name.
        if let slash = rootPath.lastIndex(of: "/") {
            let owner = String(rootPath[..<slash])
            do { _ = try fileStatus(owner) } catch { throw PathError(owner, error) }
        }
        let r: ConfinedRoot
        if rootPath.hasSuffix("/cwd") {
            let top = String(rootPath.dropLast(4)) + "/root"
            let container = try root(top, pid: pid)
            let (cwd, way) = try openProcEntry(procfs: procfs, pid: pid, .cwd, flags: O_PATH | O_DIRECTORY)
            if let inside = pathInside(root: container.fd, dir: cwd) {
                cwd.close()
                r = ConfinedRoot(path: rootPath, pid: pid, fd: container.fd, access: way, base: inside, rootPath: top)
            } else {
                r = ConfinedRoot(path: rootPath, pid: pid, fd: cwd, access: way, base: "/", rootPath: rootPath)
                extraFDs.append(cwd)
            }
        } else {
            let (fd, way) = try openProcEntry(procfs: procfs, pid: pid, .root, flags: O_PATH | O_DIRECTORY)
            r = ConfinedRoot(path: rootPath, pid: pid, fd: fd, access: way, base: "/", rootPath: rootPath)
            extraFDs.append(fd)
        }
        roots[rootPath] = r
        onAccess?(r)
        return r
    }

    /// Opens `path` (see `openUserPath`). O_NOATIME is dropped on EPERM.
    public func open(_ path: String, flags: Int32 = O_RDONLY) throws(PathError) -> OpenedPath {
        let split = SplitPath(path, procRoot: procfs.root)
        guard let rootPath = split.root else {
            do { return OpenedPath(fd: try openNoAtime(flags) { f throws(Errno) in try FileDescriptor.open(path, f) }, root: nil) }
            catch { throw PathError(path, error) }
        }
        let r = try root(rootPath, pid: split.pid)
        let inner = r.resolve(split.inner)
        do {
            let fd = try openNoAtime(flags) { f throws(Errno) in
                if inner == "/" { return try FileDescriptor.open(".", f, relativeTo: r.fd) }
                return try openInRoot(r.fd, inner, flags: f, resolver: resolver)
            }
            return OpenedPath(fd: fd, root: r)
        } catch { throw PathError(path, error) }
    }
}

/// The path of directory `dir` inside directory `root` ("/a/b"), found by
/// walking `..` up from `dir` and looking each directory up by inode in its
/// parent (as getcwd does); nil when `root` is not above `dir` or a parent
/// cannot be read.
public func pathInside(root: FileDescriptor, dir: FileDescriptor) -> String? {
    guard let rootSt = try? root.stat() else { return nil }
    guard var cur = try? FileDescriptor.open(".", O_PATH | O_DIRECTORY, relativeTo: dir) else { return nil }
    defer { cur.close() }
    var names: [String] = []
    let reader = DirectoryReader(capacity: 1 << 14)
    for _ in 0..<4096 {
        guard let st = try? cur.stat() else { return nil }
        if st.st_dev == rootSt.st_dev && st.st_ino == rootSt.st_ino {
            return "/" + names.reversed().joined(separator: "/")
        }
        guard let parent = try? openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME, { f throws(Errno) in
            try FileDescriptor.open("..", f, relativeTo: cur)
        }) else { return nil }
        guard let pst = try? parent.stat(), !(pst.st_dev == st.st_dev && pst.st_ino == st.st_ino) else {
            parent.close(); return nil      // the top of this process's tree: root is not above
        }
        var found: String? = nil
        try? reader.forEach(parent) { name, cname, _, _ in
            var est = Glibc_stat_t()
            if fstatat(parent.rawValue, cname, &est, AT_SYMLINK_NOFOLLOW) == 0,
               est.st_dev == st.st_dev, est.st_ino == st.st_ino {
                found = name.string
                return false
            }
            return true
        }
        guard let name = found else { parent.close(); return nil }
        names.append(name)
        cur.close()
        cur = parent
    }
    return nil
}

/// Runs `body(flags)`, and again without O_NOATIME if that was refused
/// (EPERM: not the owner and no CAP_FOWNER).
@inline(__always)
public func openNoAtime(_ flags: Int32, _ body: (Int32) throws(Errno) -> FileDescriptor) throws(Errno) -> FileDescriptor {
    do { return try body(flags) } catch {
        if error == .notPermitted && flags & O_NOATIME != 0 { return try body(flags & ~O_NOATIME) }
        throw error
    }
}

/// Opens /proc/PID/ENTRY (root and cwd: pass O_PATH|O_DIRECTORY; fd:
/// O_RDONLY|O_DIRECTORY to list it). Tries directly; when that is refused
/// (EACCES/EPERM) and cap_setuid and cap_setgid are effective, borrows the
/// target's uid and gid in a short-lived child. When nothing works the
/// error's detail says why and how to fix it.
///
/// Note for /proc/PID/fd: a borrowed directory descriptor lists the fds, but
/// readlink of each entry repeats the ptrace check with this process's own
/// credentials; a caller that needs the link targets must resolve them in
/// the child as well.
public func openProcEntry(procfs: ProcFS = ProcFS(), pid: Int32?, _ entry: ProcEntry,
                          flags: Int32 = O_PATH | O_DIRECTORY) throws(PathError) -> (FileDescriptor, ProcAccessWay) {
    let path = procfs.path(pid, entry.rawValue)
    let firstError: Errno
    do { return (try FileDescriptor.open(path, flags), .direct) }
    catch { firstError = error }
    guard firstError.isPermission, let pid else { throw PathError(path, firstError) }
    let me = try? procfs.status(nil)
    let target: PidStatus
    do { target = try procfs.status(pid) } catch {
        if error == .vanished { throw PathError(path, .noSuchProcess) }
        throw PathError(path, firstError)
    }
    let eff = CapabilitySet(rawValue: me?.capEffective ?? 0)
    var borrowError: Errno? = nil
    if eff.contains(.setuid) && eff.contains(.setgid), let uid = target.realUID, let gid = target.gids.first {
        let fd = path.withCString { toolbox_borrow_open($0, flags | O_CLOEXEC, uid, gid) }
        if fd >= 0 { return (FileDescriptor(rawValue: fd), .borrowed(uid: uid, gid: gid)) }
        borrowError = Errno.current
    }
    throw PathError(path, firstError, detail: explainProcAccessDenied(pid: pid, target: target, me: me, borrowError: borrowError))
}

/// The targets of /proc/PID/fd/* (`socket:[123]`, `/var/log/app.log`), for
/// netstat -p and ps. Reads them directly; when the kernel refuses (another
/// uid without cap_sys_ptrace) and cap_setuid and cap_setgid are effective,
/// reads them in a child that takes the target's uid and gid (see
/// `borrowedFDLinks`). Sorted by descriptor number.
public func procFDLinks(procfs: ProcFS = ProcFS(), pid: Int32) throws(PathError) -> ([(fd: Int32, target: String)], ProcAccessWay) {
    let path = procfs.path(pid, "fd")
    var links: [(fd: Int32, target: String)] = []
    var denied: Errno? = nil
    do {
        let dir = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        defer { dir.close() }
        var names: [String] = []
        try DirectoryReader(capacity: 8192).forEach(dir) { name, _, _, _ in names.append(name.string); return true }
        for n in names {
            guard let fd = Int32(n) else { continue }
            do { links.append((fd, try readLink(n, relativeTo: dir))) } catch {
                if error.isPermission { denied = error; break }
            }
        }
        // Without ptrace access the kernel lists nothing rather than refusing.
        if denied == nil && !names.isEmpty { return (links.sorted { $0.fd < $1.fd }, .direct) }
        if names.isEmpty, let s = try? procfs.status(pid), let me = try? procfs.status(nil),
           s.realUID == me.effectiveUID || CapabilitySet(rawValue: me.capEffective ?? 0).contains(.sysPtrace) {
            return ([], .direct)
        }
        denied = denied ?? .permissionDenied
    } catch {
        if !error.isPermission { throw PathError(path, error) }
        denied = error
    }
    let me = try? procfs.status(nil)
    let target: PidStatus
    do { target = try procfs.status(pid) } catch { throw PathError(path, error == .vanished ? .noSuchProcess : denied!) }
    let eff = CapabilitySet(rawValue: me?.capEffective ?? 0)
    var borrowError: Errno? = nil
    if eff.contains(.setuid) && eff.contains(.setgid), let uid = target.realUID, let gid = target.gids.first {
        do { return (try borrowedFDLinks(procfs: procfs, pid: pid, uid: uid, gid: gid), .borrowed(uid: uid, gid: gid)) }
        catch { borrowError = error }
    }
    throw PathError(path, denied!, detail: explainProcAccessDenied(pid: pid, target: target, me: me, borrowError: borrowError))
}

/// Reads the /proc/PID/fd links in a forked child running as `uid`/`gid`
/// (borrow.h), whatever this process's own access.
public func borrowedFDLinks(procfs: ProcFS = ProcFS(), pid: Int32, uid: UInt32, gid: UInt32) throws(Errno) -> [(fd: Int32, target: String)] {
    var child: Int32 = 0
    let rfd = procfs.path(pid, "fd").withCString { toolbox_borrow_fdlinks_start($0, uid, gid, &child) }
    if rfd < 0 { throw Errno.current }
    let pipe = FileDescriptor(rawValue: rfd)
    let bytes: [UInt8]
    do { bytes = try ReadBuffer(capacity: 8192).contents(of: pipe) } catch {
        pipe.close(); toolbox_borrow_wait(child); throw error
    }
    pipe.close()
    toolbox_borrow_wait(child)
    guard bytes.count >= 4 else { throw Errno(EIO) }
    let err = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
    if err != 0 { throw Errno(err) }
    var links: [(fd: Int32, target: String)] = []
    var fields = bytes[4...].split(separator: 0, omittingEmptySubsequences: false)
    if fields.last?.isEmpty == true { fields.removeLast() }
    var i = 0
    while i + 1 < fields.count {
        if let fd = Int32(String(decoding: fields[i], as: UTF8.self)) {
            links.append((fd, String(decoding: fields[i + 1], as: UTF8.self)))
        }
        i += 2
    }
    return links.sorted { $0.fd < $1.fd }
}

/// Why /proc/PID/root (etc.) was refused and how to fix it, from the
/// target's and this process's /proc/PID/status (pure, for tests).
public func explainProcAccessDenied(pid: Int32, target: PidStatus, me: PidStatus?, borrowError: Errno?) -> String {
    let tuid = target.realUID.map(String.init) ?? "?"
    let myUID = me.flatMap { $0.effectiveUID ?? $0.realUID }.map(String.init) ?? "?"
    let eff = CapabilitySet(rawValue: me?.capEffective ?? 0)
    let fix = "add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add)"
    var s = "permission denied: process \(pid) runs as uid \(tuid), this container runs as uid \(myUID) without cap_sys_ptrace"
    let targetCaps = CapabilitySet(rawValue: (target.capPermitted ?? 0) & ~(me?.capPermitted ?? 0))
    if tuid == myUID {
        if targetCaps.rawValue != 0 {
            s += "; process \(pid) holds capabilities this container lacks (\(targetCaps.names.joined(separator: ",")))"
        } else {
            s += "; process \(pid) refuses ptrace-read access (it is not dumpable, or its uids or gids differ)"
        }
        return s + "; " + fix
    }
    if !eff.contains(.setuid) || !eff.contains(.setgid) {
        s += " and without \(eff.contains(.setuid) ? "cap_setgid" : "cap_setuid")"
        return s + "; " + fix + " or run the debug container as uid \(tuid)"
    }
    s += "; opening it as uid \(tuid) failed too (\(borrowError?.message ?? "no gid known"))"
    if (target.capPermitted ?? 0) != 0 {
        s += ": process \(pid) holds capabilities (\(CapabilitySet(rawValue: target.capPermitted ?? 0).names.joined(separator: ","))) that a helper running as uid \(tuid) cannot match"
    }
    return s + "; " + fix
}
