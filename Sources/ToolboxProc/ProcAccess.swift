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
/// path that went through a process's root (`/proc/PID/root`, `cwd`, a
/// directory `fd/N`, on any procfs mount, by any route), the root it was
/// resolved in (owned by the opener: valid while the opener lives).
public struct OpenedPath {
    public let fd: FileDescriptor
    public let root: ConfinedRoot?
    /// The path inside `root` that was opened (starting with `/`), or the
    /// canonical path in this process's tree when there is no root.
    public let inner: String
    /// For an entry of a procfs directory (`/proc/PID/fd/5`): where it is,
    /// so that a refused readlink can be retried with a borrowed identity.
    public let procEntry: ProcEntryRef?

    /// The link itself (O_NOFOLLOW) of a process's `root` or `cwd`: `ls`
    /// and `find` list the directory it names, as for `/proc/PID/root/`.
    public var isProcessRootLink: Bool {
        guard let e = procEntry, e.owner.rawValue == e.dir.rawValue, e.name == "root" || e.name == "cwd",
              let st = try? fd.stat() else { return false }
        return st.st_mode & S_IFMT == S_IFLNK
    }
}

/// A path resolved for `readlink -f`: the canonical path (under the same
/// `/proc/PID/root` prefix when it went through a process root) and the
/// descriptor, nil when the last component does not exist.
public struct ResolvedPath {
    public let fd: FileDescriptor?
    public let root: ConfinedRoot?
    public let canonical: String
}

/// An entry `name` of the procfs directory `dir`, which belongs to the
/// process whose /proc directory is `owner` (descriptors owned by the opener).
public struct ProcEntryRef {
    public let dir: FileDescriptor
    public let name: String
    public let owner: FileDescriptor
    public let pid: Int32?
    /// The entry's path as resolved (`/proc/8/fd/5`), for messages.
    public let path: String
}

/// An opened process root that paths are resolved inside.
public struct ConfinedRoot {
    /// The root's name for messages and `--verbose`: `/proc/PID/root`, or
    /// the magic link that led here (`/proc/PID/cwd`).
    public let path: String
    public let pid: Int32?
    /// The container's root directory (for cwd paths too).
    public let fd: FileDescriptor
    public let access: ProcAccessWay
    /// Where `path` is inside the root: "/" for /proc/PID/root, the working
    /// directory's path for /proc/PID/cwd.
    public let base: String
    /// `/proc/PID/root` (as reached), the prefix for canonical paths inside the root.
    public let rootPath: String

    /// The root-relative path for `inner` (which starts with `/`) under `path`.
    public func resolve(_ inner: String) -> String {
        base == "/" ? inner : (inner == "/" ? base : base + inner)
    }
}

/// Opens user paths. What a path means is decided by what it resolves to,
/// never by its text: the path is walked component by component from `/`
/// (or from the working directory) with O_PATH|O_NOFOLLOW opens, symbolic
/// links are read and walked in place (at most 40), and when a component is
/// a procfs magic link of a process directory that leads to a directory
/// (`root`, `cwd`, `fd/N`, on any procfs mount, reached by any route:
/// `/proc/../proc/8/root`, a symlink to /proc, `/proc/8/task/9/root`, a
/// second procfs mount, the working directory), that process's root is
/// opened (directly, or with its borrowed identity when ptrace access is
/// refused) and everything after it is resolved *inside* that root
/// (`openInRoot`: openat2 RESOLVE_IN_ROOT, or the userspace walk). A
/// process root that is this process's own root (`/proc/self/root`) is
/// just `/`. Applets create one opener per run; each process root is opened
/// once (one fork at most when borrowed); `onAccess` is told once per root
/// how it was opened (for `--verbose`).
public final class PathOpener {
    public let procfs: ProcFS
    public var onAccess: ((ConfinedRoot) -> Void)?
    public var resolver: ConfinedResolver = .automatic
    private struct RootKey: Hashable { let dev: UInt64; let ino: UInt64 }
    private var roots: [RootKey: ConfinedRoot] = [:]
    private var ownRoots: Set<RootKey> = []
    private var keep: [FileDescriptor] = []
    private var slashFD: FileDescriptor?
    private var slashIdentity: FileIdentity?
    /// Where relative paths start: a path in this process's tree, a
    /// directory inside a process root, or a working directory that was
    /// removed (no name leads to it; see `workingDirectory`).
    private enum Start { case path(String), confined(ConfinedRoot, String), removed(FileDescriptor) }
    private var cwdStart: Start?

    public init(procRoot: String = "/proc") { procfs = ProcFS(root: procRoot) }
    deinit {
        for fd in keep { fd.close() }
        slashFD?.close()
    }

    /// Opens `path`. O_NOATIME is dropped on EPERM; O_CREAT creates a
    /// missing last component (mode 0666 & ~umask outside a process root).
    public func open(_ path: String, flags: Int32 = O_RDONLY) throws(PathError) -> OpenedPath {
        let r = try walk(path, flags: flags, allowMissingLast: false)
        return OpenedPath(fd: r.fd!, root: r.root, inner: r.inner, procEntry: r.procEntry)
    }

    /// `readlink -f`: resolves `path` (every component but the last must
    /// exist) and returns its canonical path.
    public func canonicalize(_ path: String) throws(PathError) -> ResolvedPath {
        let r = try walk(path, flags: O_PATH, allowMissingLast: true)
        return ResolvedPath(fd: r.fd, root: r.root, canonical: r.canonical)
    }

    /// The text of the symbolic link `opened` (opened with O_PATH|O_NOFOLLOW).
    /// A procfs link refused by the ptrace check (`/proc/PID/fd/5`) is read
    /// with the owner's borrowed identity, or fails with the explanation.
    public func readLink(_ opened: OpenedPath, subject: String) throws(PathError) -> String {
        let first: Errno
        do { return try ToolboxSystem.readLink("", relativeTo: opened.fd) } catch { first = error }
        guard first.isPermission, let e = opened.procEntry else { throw PathError(subject, first) }
        let links = try borrowedLinks(dir: e.dir, owner: e.owner, pid: e.pid, subject: e.path, refused: first)
        guard let t = links[e.name] else { throw PathError(subject, first) }
        return t
    }

    /// The link targets of the procfs directory `dir` (`/proc/PID/fd`, or
    /// `/proc/PID` for root, cwd and exe) read with the borrowed identity of
    /// the process it belongs to, after `refused` came back for a direct
    /// readlink. Fails with the same explanation as /proc/PID/root.
    public func linksOfProcDirectory(_ dir: FileDescriptor, subject: String, refused: Errno) throws(PathError) -> [String: String] {
        guard cshim_fstatfs_type(dir.rawValue) == CSHIM_PROC_SUPER_MAGIC else { throw PathError(subject, refused) }
        // The process directory has a `status`; fd/ and fdinfo/ are below it.
        var owner = dir
        var ownerOpened: FileDescriptor? = nil
        if (try? fileStatus("status", relativeTo: dir)) == nil {
            guard let up = try? FileDescriptor.open("..", O_PATH | O_DIRECTORY, relativeTo: dir) else { throw PathError(subject, refused) }
            owner = up; ownerOpened = up
        }
        defer { ownerOpened?.close() }
        return try borrowedLinks(dir: dir, owner: owner, pid: nil, subject: subject, refused: refused)
    }

    private func borrowedLinks(dir: FileDescriptor, owner: FileDescriptor, pid: Int32?, subject: String, refused: Errno) throws(PathError) -> [String: String] {
        let (records, _) = try borrowing(owner: owner, pid: pid, subject: subject, refused: refused) { uid, gid throws(Errno) in
            try borrowStream(Int32(TOOLBOX_BORROW_LINKS), dir: dir, name: ".", uid: uid, gid: gid, cap: 16 << 20)
        }
        var links: [String: String] = [:]
        forEachRecordPair(records) { links[$0] = $1 }
        return links
    }

    // MARK: the walk

    private struct Walked {
        var fd: FileDescriptor?
        var root: ConfinedRoot?
        var inner: String
        var canonical: String
        var procEntry: ProcEntryRef?
    }

    private func slash() throws(PathError) -> FileDescriptor {
        if let s = slashFD { return s }
        do {
            let s = try FileDescriptor.open("/", O_PATH | O_DIRECTORY)
            slashFD = s
            slashIdentity = FileIdentity(s)
            return s
        } catch { throw PathError("/", error) }
    }

    private func walk(_ path: String, flags: Int32, allowMissingLast: Bool) throws(PathError) -> Walked {
        if path.isEmpty { throw PathError(path, .noSuchFile) }
        var full = path
        if !path.hasPrefix("/") {
            switch try workingDirectory(subject: path) {
            case .path(let cwd): full = cwd == "/" ? "/" + path : cwd + "/" + path
            case .confined(let r, let inner):
                return try inside(r, base: inner, rest: path, flags: flags, allowMissingLast: allowMissingLast, subject: path)
            case .removed(let dir):
                // Resolved inside it, as in a root of its own: it has no
                // entries, and `..` stays in it (its old parent, which may be
                // a container's, is not reached by a name of the user's).
                do {
                    let w = try walkInRoot(dir, path, flags: flags, allowMissingLast: allowMissingLast)
                    return Walked(fd: w.fd, root: nil, inner: path, canonical: path)
                } catch { throw PathError(path, error) }
            }
        }
        return try walkFromSlash(full, subject: path, flags: flags, allowMissingLast: allowMissingLast)
    }

    /// The walk through this process's own tree, until a process root is met.
    private func walkFromSlash(_ path: String, subject: String, flags: Int32, allowMissingLast: Bool) throws(PathError) -> Walked {
        let top = try slash()
        var dirs: [FileDescriptor] = []       // opened directories below `/`
        var names: [String] = []              // their names: the canonical path
        defer { for d in dirs { d.close() } }
        var current: FileDescriptor { dirs.last ?? top }
        var pending: [Substring] = []         // components still to walk, reversed
        func push(_ p: String) { pushComponents(p, onto: &pending) }
        func here(_ name: String? = nil) -> String { "/" + (name.map { names + [$0] } ?? names).joinedText("/") }
        func reset() { for d in dirs { d.close() }; dirs.removeAll(); names.removeAll() }
        func fail(_ e: Errno) -> PathError { PathError(subject, e) }
        push(path)
        var links = 0
        let followLast = flags & O_NOFOLLOW == 0
        while let comp = pending.popLast() {
            let isLast = pending.isEmpty
            if comp == "." || comp == ".." {
                if comp == "..", let d = dirs.popLast() { d.close(); names.removeLast() }
                if isLast {
                    do {
                        let fd = try openNoAtime(flags) { f throws(Errno) in try FileDescriptor.open(".", f, relativeTo: current) }
                        return Walked(fd: fd, root: nil, inner: here(), canonical: here())
                    } catch { throw fail(error) }
                }
                continue
            }
            let name = String(comp)
            let probe: FileDescriptor
            do { probe = try FileDescriptor.open(name, O_PATH | O_NOFOLLOW, relativeTo: current) } catch {
                if error == .noSuchFile && isLast && allowMissingLast { return Walked(fd: nil, root: nil, inner: here(name), canonical: here(name)) }
                // An entry of a /proc/PID directory that itself needs ptrace
                // access (fdinfo/N): the helper child looks it up and opens it.
                if error.isPermission && isLast && !allowMissingLast,
                   let entry = procEntryRef(dir: current, parent: dirs.count >= 2 ? dirs[dirs.count - 2] : top, names: names, name: name) {
                    let fd = try openProcFile(entry, isDirectory: flags & O_DIRECTORY != 0, flags: flags, refused: error)
                    return Walked(fd: fd, root: nil, inner: here(name), canonical: here(name), procEntry: entry)
                }
                if error == .noSuchFile && isLast && flags & O_CREAT != 0 {
                    do {
                        let fd = try FileDescriptor.open(name, flags | O_NOFOLLOW, mode: 0o666, relativeTo: current)
                        return Walked(fd: fd, root: nil, inner: here(name), canonical: here(name))
                    } catch { throw fail(error) }
                }
                throw fail(error)
            }
            let st: Glibc_stat_t
            do { st = try probe.stat() } catch { probe.close(); throw fail(error) }
            let type = st.st_mode & S_IFMT
            if type == S_IFLNK && (!isLast || followLast) {
                let magic: Bool
                do { magic = try isMagicLink(probe, parent: current) } catch { probe.close(); throw fail(error) }
                if magic {
                    probe.close()
                    let rest = pending.reversed().joinedText("/")
                    let parent = dirs.count >= 2 ? dirs[dirs.count - 2] : top
                    switch try throughMagicLink(dir: current, parent: parent, names: names, name: name, isLast: isLast,
                                                flags: flags, allowMissingLast: allowMissingLast, subject: subject) {
                    case .confined(let r, let base):
                        return try inside(r, base: base, rest: rest, flags: flags, allowMissingLast: allowMissingLast, subject: subject)
                    case .ownTree(let p):
                        links += 1
                        if links > maxSymlinkFollows { throw fail(.tooManySymlinks) }
                        reset()
                        push(p)
                        continue
                    case .object(let fd, let canonical):
                        return Walked(fd: fd, root: nil, inner: here(name), canonical: canonical)
                    }
                }
                defer { probe.close() }
                links += 1
                if links > maxSymlinkFollows { throw fail(.tooManySymlinks) }
                let target: String
                do { target = try ToolboxSystem.readLink("", relativeTo: probe) } catch { throw fail(error) }
                if target.isEmpty { throw fail(.noSuchFile) }
                if target.hasPrefix("/") { reset() }
                push(target)
                continue
            }
            if isLast {
                let entry = procEntryRef(dir: current, parent: dirs.count >= 2 ? dirs[dirs.count - 2] : top, names: names, name: name)
                if flags & O_PATH != 0 && flags & O_DIRECTORY == 0 {
                    return Walked(fd: probe, root: nil, inner: here(name), canonical: here(name), procEntry: entry)
                }
                probe.close()
                let fd: FileDescriptor
                do { fd = try openNoAtime(flags) { f throws(Errno) in try FileDescriptor.open(name, f | O_NOFOLLOW, relativeTo: current) } }
                catch {
                    // A /proc/PID file that needs ptrace access (environ, maps, fd/): borrowed.
                    guard error.isPermission, let entry else { throw fail(error) }
                    let fd = try openProcFile(entry, isDirectory: type == S_IFDIR, flags: flags, refused: error)
                    return Walked(fd: fd, root: nil, inner: here(name), canonical: here(name), procEntry: entry)
                }
                // Some /proc/PID files check ptrace access on every read
                // (io, stack, syscall): probe one byte; refused, borrow.
                if let entry, type == S_IFREG, flags & (O_WRONLY | O_RDWR | O_PATH) == 0 {
                    var b: UInt8 = 0
                    if pread(fd.rawValue, &b, 1, 0) < 0, Errno.current.isPermission {
                        let refused = Errno.current
                        fd.close()
                        return Walked(fd: try openProcFile(entry, isDirectory: false, flags: flags, refused: refused),
                                      root: nil, inner: here(name), canonical: here(name), procEntry: entry)
                    }
                }
                return Walked(fd: fd, root: nil, inner: here(name), canonical: here(name), procEntry: entry)
            }
            guard type == S_IFDIR else { probe.close(); throw fail(.notDirectory) }
            dirs.append(probe); names.append(name)
        }
        // Empty path or "/".
        do {
            let fd = try openNoAtime(flags) { f throws(Errno) in try FileDescriptor.open(".", f, relativeTo: current) }
            return Walked(fd: fd, root: nil, inner: here(), canonical: here())
        } catch { throw fail(error) }
    }

    /// `base` + `rest` resolved inside the process root `r`.
    private func inside(_ r: ConfinedRoot, base: String, rest: String, flags: Int32, allowMissingLast: Bool, subject: String) throws(PathError) -> Walked {
        let inner = rest.isEmpty ? base : (base == "/" ? "/" + rest : base + "/" + rest)
        func canonical(_ p: String) -> String { p == "/" ? r.rootPath : r.rootPath + p }
        do {
            if allowMissingLast {
                let (fd, path) = try walkInRoot(r.fd, inner, flags: flags, allowMissingLast: true)
                return Walked(fd: fd, root: r, inner: inner, canonical: canonical(path))
            }
            let fd = try openNoAtime(flags) { f throws(Errno) in
                if inner == "/" { return try FileDescriptor.open(".", f, relativeTo: r.fd) }
                return try openInRoot(r.fd, inner, flags: f, resolver: resolver)
            }
            return Walked(fd: fd, root: r, inner: inner, canonical: canonical(inner))
        } catch { throw PathError(subject, error) }
    }

    private enum MagicOutcome {
        /// Continue inside a process root at `base`.
        case confined(ConfinedRoot, base: String)
        /// The link leads into this process's own tree: continue there.
        case ownTree(String)
        /// The last component: a file the link names (`/proc/8/exe`).
        case object(FileDescriptor, canonical: String)
    }

    /// The process directory a procfs entry belongs to: `dir` itself
    /// (`/proc/8/root`, `/proc/8/environ`, `/proc/8/task/9/root`) or its
    /// parent (`/proc/8/fd/5`, `/proc/8/fdinfo/5`): the nearest one whose
    /// name is a number. Nil outside procfs or at the procfs root.
    private func procEntryRef(dir: FileDescriptor, parent: FileDescriptor, names: [String], name: String) -> ProcEntryRef? {
        guard let last = names.last, cshim_fstatfs_type(dir.rawValue) == CSHIM_PROC_SUPER_MAGIC else { return nil }
        let ownerIsDir = Int32(last) != nil
        guard ownerIsDir || (names.count >= 2 && Int32(names[names.count - 2]) != nil) else { return nil }
        let pidName = ownerIsDir ? last : names[names.count - 2]
        // Duplicated, not reopened: a lookup in fdinfo/ itself needs ptrace access.
        let rd = fcntl(dir.rawValue, F_DUPFD_CLOEXEC, 0)
        guard rd >= 0 else { return nil }
        let d = FileDescriptor(rawValue: rd)
        keep.append(d)
        var o = d
        if !ownerIsDir {
            let rp = fcntl(parent.rawValue, F_DUPFD_CLOEXEC, 0)
            guard rp >= 0 else { return nil }
            o = FileDescriptor(rawValue: rp)
            keep.append(o)
        }
        return ProcEntryRef(dir: d, name: name, owner: o, pid: Int32(pidName),
                            path: "/" + (names + [name]).joinedText("/"))
    }

    private func throughMagicLink(dir: FileDescriptor, parent: FileDescriptor, names: [String], name: String, isLast: Bool,
                                  flags: Int32, allowMissingLast: Bool, subject: String) throws(PathError) -> MagicOutcome {
        let linkPath = "/" + (names + [name]).joinedText("/")
        guard let e = procEntryRef(dir: dir, parent: parent, names: names, name: name) else {
            throw PathError(subject, .tooManySymlinks)   // a magic link outside a process directory
        }
        let ownerPath = e.owner.rawValue == e.dir.rawValue ? String(linkPath.dropLast(name.utf8.count + 1))
            : String(linkPath.dropLast(name.utf8.count + 1 + (names.last?.utf8.count ?? 0) + 1))
        if name == "root" && e.owner.rawValue == e.dir.rawValue {
            let (r, own) = try processRoot(e, ownerPath: ownerPath)
            return own ? .ownTree("/") : .confined(r, base: "/")
        }
        // Another magic link (cwd, fd/N, exe): the object it names.
        let (t, _) = try openProcLink(e, flags: O_PATH, refusedSubject: linkPath)
        let st: Glibc_stat_t
        do { st = try t.stat() } catch { t.close(); throw PathError(subject, error) }
        if st.st_mode & S_IFMT != S_IFDIR {
            t.close()
            guard isLast else { throw PathError(subject, .notDirectory) }
            let (r, own) = try processRoot(e, ownerPath: ownerPath)
            var canonical = linkPath
            if allowMissingLast, let text = try? readLinkAnyway(e) , text.hasPrefix("/") {
                canonical = own ? text : r.rootPath + text
            }
            if flags & O_PATH != 0 && flags & O_DIRECTORY == 0 {
                return .object(try openProcLink(e, flags: flags, refusedSubject: linkPath).0, canonical: canonical)
            }
            let (fd, _) = try openProcLink(e, flags: flags, refusedSubject: linkPath)
            return .object(fd, canonical: canonical)
        }
        let (r, own) = try processRoot(e, ownerPath: ownerPath)
        if own {
            defer { t.close() }
            guard let p = pathInside(root: try slash(), dir: t) else { throw PathError(subject, .noSuchFile) }
            return .ownTree(p)
        }
        if let p = pathInside(root: r.fd, dir: t) {
            t.close()
            return .confined(r, base: p)
        }
        // Not below the process's root (moved out of it): it is its own root.
        keep.append(t)
        let alone = ConfinedRoot(path: linkPath, pid: e.pid, fd: t, access: r.access, base: "/", rootPath: linkPath)
        return .confined(alone, base: "/")
    }

    private func readLinkAnyway(_ e: ProcEntryRef) throws(PathError) -> String {
        do { return try ToolboxSystem.readLink(e.name, relativeTo: e.dir) } catch {
            let links = try borrowedLinks(dir: e.dir, owner: e.owner, pid: e.pid, subject: e.path, refused: error)
            guard let t = links[e.name] else { throw PathError(e.path, error) }
            return t
        }
    }

    /// The root of the process whose directory is `e.owner` (cached), and
    /// whether it is this process's own root.
    private func processRoot(_ e: ProcEntryRef, ownerPath: String) throws(PathError) -> (ConfinedRoot, Bool) {
        let key: RootKey
        do { let st = try e.owner.stat(); key = RootKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) }
        catch { throw PathError(ownerPath, error) }
        if let r = roots[key] { return (r, ownRoots.contains(key)) }
        let rootPath = ownerPath + "/root"
        let ref = ProcEntryRef(dir: e.owner, name: "root", owner: e.owner, pid: e.pid, path: rootPath)
        let (fd, way) = try openProcLink(ref, flags: O_PATH | O_DIRECTORY, refusedSubject: rootPath)
        keep.append(fd)
        let r = ConfinedRoot(path: rootPath, pid: e.pid, fd: fd, access: way, base: "/", rootPath: rootPath)
        roots[key] = r
        _ = try slash()
        if let id = FileIdentity(fd), id == slashIdentity {
            ownRoots.insert(key)
            return (r, true)
        }
        onAccess?(r)
        return (r, false)
    }

    /// Opens the procfs entry `e` following it (a magic link) with `flags`:
    /// directly, or with the owner's borrowed identity when refused.
    private func openProcLink(_ e: ProcEntryRef, flags: Int32, refusedSubject: String) throws(PathError) -> (FileDescriptor, ProcAccessWay) {
        let first: Errno
        do { return (try openNoAtime(flags) { f throws(Errno) in try FileDescriptor.open(e.name, f, relativeTo: e.dir) }, .direct) }
        catch { first = error }
        return try borrowing(owner: e.owner, pid: e.pid, subject: refusedSubject, refused: first) { uid, gid throws(Errno) in
            try borrowOpen(dir: e.dir, name: e.name, flags: flags & ~O_NOATIME, uid: uid, gid: gid)
        }
    }

    /// A /proc/PID file or directory refused by the ptrace check, opened
    /// with the owner's borrowed identity: a directory (fd/) as a
    /// descriptor; a file (environ, maps, io: some check again on every
    /// read) read by the helper and returned as an in-memory copy.
    private func openProcFile(_ e: ProcEntryRef, isDirectory: Bool, flags: Int32, refused: Errno) throws(PathError) -> FileDescriptor {
        if isDirectory || flags & O_DIRECTORY != 0 {
            return try borrowing(owner: e.owner, pid: e.pid, subject: e.path, refused: refused) { uid, gid throws(Errno) in
                try borrowOpen(dir: e.dir, name: e.name, flags: flags & ~O_NOATIME, uid: uid, gid: gid)
            }.0
        }
        let (bytes, _) = try borrowing(owner: e.owner, pid: e.pid, subject: e.path, refused: refused) { uid, gid throws(Errno) in
            try borrowStream(Int32(TOOLBOX_BORROW_READ), dir: e.dir, name: e.name, uid: uid, gid: gid, cap: borrowedReadCap)
        }
        do { return try memoryFile(bytes) } catch { throw PathError(e.path, error) }
    }

    /// Where relative paths start: the working directory, named by a path
    /// that resolves to it (the shell's $PWD, then getcwd(3)), so that a
    /// working directory reached through /proc/PID/root is inside that
    /// root; when no name reaches it (it is in another mount namespace),
    /// the nearest process root above it.
    private func workingDirectory(subject: String) throws(PathError) -> Start {
        if let s = cwdStart { return s }
        let d: FileDescriptor
        do { d = try FileDescriptor.open(".", O_PATH | O_DIRECTORY) } catch { throw PathError(subject, error) }
        let identity = FileIdentity(d)
        // Removed (`mkdir d; cd d; rmdir ../d`): GNU lists it as empty.
        if let st = try? d.stat(), st.st_nlink == 0 {
            keep.append(d)
            cwdStart = .removed(d)
            return .removed(d)
        }
        d.close()
        guard let dot = identity else { throw PathError(subject, .noSuchFile) }
        var candidates: [String] = []
        if let pwd = getenv("PWD").map({ String(cString: $0) }), pwd.hasPrefix("/") { candidates.append(pwd) }
        if let c = ToolboxProc.workingDirectory(), !candidates.contains(c) { candidates.append(c) }
        for c in candidates {
            guard let w = try? walkFromSlash(c, subject: c, flags: O_PATH | O_DIRECTORY, allowMissingLast: false), let fd = w.fd else { continue }
            defer { fd.close() }
            guard FileIdentity(fd) == dot else { continue }
            let s: Start = w.root.map { .confined($0, w.inner) } ?? .path(w.canonical)
            cwdStart = s
            return s
        }
        if let (r, inner) = try rootAboveWorkingDirectory(subject: subject) {
            cwdStart = .confined(r, inner)
            return .confined(r, inner)
        }
        throw PathError(subject, .noSuchFile, detail: "the working directory is outside this process's root and below no process root; name the path through /proc/PID/root")
    }

    /// The nearest process root above the working directory (by st_dev and
    /// st_ino, walking `..` up at most 4096 levels), opened, and the
    /// working directory's path inside it.
    private func rootAboveWorkingDirectory(subject: String) throws(PathError) -> (ConfinedRoot, String)? {
        guard let dot = try? FileDescriptor.open(".", O_PATH | O_DIRECTORY) else { return nil }
        defer { dot.close() }
        var levels: [FileIdentity: Int] = [:]
        var cur = dot
        var opened: [FileDescriptor] = []
        defer { for d in opened { d.close() } }
        for level in 0..<4096 {
            guard let k = FileIdentity(cur) else { break }
            if levels[k] != nil { break }
            levels[k] = level
            guard let up = try? FileDescriptor.open("..", O_PATH | O_DIRECTORY, relativeTo: cur) else { break }
            opened.append(up)
            cur = up
        }
        guard let procDir = try? FileDescriptor.open(procfs.root, O_RDONLY | O_DIRECTORY) else { return nil }
        defer { procDir.close() }
        var best: (level: Int, pid: String)? = nil
        var refused: [Int32] = []
        try? DirectoryReader(capacity: 1 << 15).forEach(procDir) { name, _, _, _ in
            guard let v = name.decimalValue, v > 0, v <= UInt64(Int32.max) else { return true }
            let n = name.string
            let root: FileDescriptor
            do throws(Errno) { root = try FileDescriptor.open(n + "/root", O_PATH | O_DIRECTORY, relativeTo: procDir) } catch {
                if error.isPermission { refused.append(Int32(v)) }
                return true
            }
            defer { root.close() }
            guard let id = FileIdentity(root), let l = levels[id] else { return true }
            if best == nil || l < best!.level { best = (l, n) }
            return true
        }
        // Without ptrace access, the roots of other uids' processes through
        // their borrowed identity (a helper child each, at most 256): those
        // whose mount namespace holds the working directory's mount (its
        // mountinfo, readable without ptrace access, lists that mount id).
        if best == nil || best!.level > 0, let cwdID = FileIdentity(dot) {
            let buffer = ReadBuffer(capacity: 1 << 16)
            let prefix = Array("\(cwdID.mount) ".utf8)
            let candidates = cwdID.mount == 0 ? refused : refused.filter { pid in
                guard let b = try? buffer.readFile("\(pid)/mountinfo", relativeTo: procDir, limit: 1 << 20) else { return false }
                var lineStart = true
                for i in 0..<b.count {
                    if lineStart && b.count - i >= prefix.count && prefix.indices.allSatisfy({ b[i + $0] == prefix[$0] }) { return true }
                    lineStart = b[i] == ASCII.newline
                }
                return false
            }
            for pid in candidates.prefix(256) {
                guard let (root, _) = try? openProcEntry(procfs: procfs, pid: pid, .root) else { continue }
                defer { root.close() }
                guard let id = FileIdentity(root), let l = levels[id] else { continue }
                if best == nil || l < best!.level { best = (l, String(pid)) }
            }
        }
        guard let b = best else { return nil }
        let ownerPath = procfs.root + "/" + b.pid
        guard let owner = try? FileDescriptor.open(ownerPath, O_PATH | O_DIRECTORY) else { return nil }
        keep.append(owner)
        let e = ProcEntryRef(dir: owner, name: "root", owner: owner, pid: Int32(b.pid), path: ownerPath + "/root")
        let (r, _) = try processRoot(e, ownerPath: ownerPath)
        guard let inner = pathInside(root: r.fd, dir: dot) else { return nil }
        return (r, inner)
    }
}

/// Opens a path as the user typed it, resolved by what it resolves to
/// (see `PathOpener`). `flags` may include O_PATH, O_DIRECTORY,
/// O_NOFOLLOW, O_CREAT, O_NOATIME (dropped again when the kernel refuses
/// it with EPERM).
public func openUserPath(_ path: String, flags: Int32 = O_RDONLY, procRoot: String = "/proc") throws(Errno) -> FileDescriptor {
    let opener = PathOpener(procRoot: procRoot)
    do { return try opener.open(path, flags: flags).fd }
    catch { throw error.errno }
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
            return "/" + names.reversed().joinedText("/")
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


// MARK: - borrowed identity (borrow.h)

/// At most this much of a /proc file is read through a helper child.
let borrowedReadCap = 64 << 20

/// TOOLBOX_TEST_STOP_HELPER=1 makes every helper child stop itself with
/// SIGSTOP before it works (fault injection for the tests of the deadline:
/// what a hostile target could do to a child that took its uid).
nonisolated(unsafe) private var helperStopFlag: Int32? = nil
private var helperStop: Int32 {
    if let f = helperStopFlag { return f }
    let f: Int32 = getenv("TOOLBOX_TEST_STOP_HELPER").map { String(cString: $0) == "1" } == true ? 1 : 0
    helperStopFlag = f
    return f
}

/// Set when a helper child had to be killed at its deadline: the target
/// can stall helpers (or the system is overloaded), so no more are started
/// in this run and the applet goes on with what it has (ETIME). This
/// bounds the whole run's waiting to one deadline.
nonisolated(unsafe) private var helpersStalled = false

/// The one-line note for applets that borrow for many processes (ps,
/// netstat) when a helper child had to be killed in this run; nil otherwise.
public func helperStallNote() -> String? {
    helpersStalled
        ? "a helper child that borrowed a process's uid did not finish within \(TOOLBOX_HELPER_DEADLINE_MS / 1000) s and was killed; no more were started, so what they would have read is missing"
        : nil
}

private func helperOutcome(_ e: Errno) -> Errno {
    if e.rawValue == ETIMEDOUT { helpersStalled = true }
    return e
}

/// Opens `name` relative to `dir` with `flags` in a helper child that took
/// uid/gid as its file-system ids (borrow.h). ETIMEDOUT when the child did
/// not answer within the deadline (it was killed); ETIME when an earlier
/// helper of this run was.
public func borrowOpen(dir: FileDescriptor, name: String, flags: Int32, uid: UInt32, gid: UInt32) throws(Errno) -> FileDescriptor {
    if helpersStalled { throw Errno(ETIME) }
    let fd = name.withCString { toolbox_borrow_openat(dir.rawValue, $0, flags | O_CLOEXEC, uid, gid, helperStop) }
    if fd < 0 { throw helperOutcome(Errno.current) }
    return FileDescriptor(rawValue: fd)
}

/// Runs a streaming helper child (TOOLBOX_BORROW_READ: a file's bytes;
/// TOOLBOX_BORROW_LINKS: `name\0target\0` records of a directory's links)
/// and collects its answer, at most `cap` bytes, within the deadline; the
/// child is always reaped (killed past the deadline: ETIMEDOUT).
func borrowStream(_ kind: Int32, dir: FileDescriptor, name: String, uid: UInt32, gid: UInt32, cap: Int) throws(Errno) -> [UInt8] {
    if helpersStalled { throw Errno(ETIME) }
    let deadline = toolbox_now_ms() + Int64(TOOLBOX_HELPER_DEADLINE_MS)
    var child: Int32 = 0
    let sock = name.withCString { toolbox_borrow_stream_start(kind, dir.rawValue, $0, uid, gid, helperStop, &child) }
    if sock < 0 { throw Errno.current }
    var bytes: [UInt8] = []
    var failure: Errno? = nil
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { chunk.deallocate() }
    while true {
        if toolbox_helper_wait_readable(sock, deadline) == 0 { failure = Errno(ETIMEDOUT); break }
        let n: Int
        do throws(Errno) { n = try FileDescriptor(rawValue: sock).read(into: chunk) } catch {
            if error.rawValue == EAGAIN { continue }
            failure = error; break
        }
        if n == 0 { break }
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        if bytes.count > cap + 4 { failure = Errno(EFBIG); break }
    }
    _ = Glibc_close(sock)
    if toolbox_helper_reap(child, deadline) == ETIMEDOUT { failure = Errno(ETIMEDOUT) }
    if let failure { throw helperOutcome(failure) }
    guard bytes.count >= 4 else { throw Errno(EIO) }
    let err = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
    if err != 0 { throw Errno(err) }
    return Array(bytes[4...])
}

/// Calls `body(name, target)` for each `name\0target\0` record; returns
/// how many records had an empty target (the helper was refused that link).
@discardableResult
func forEachRecordPair(_ bytes: [UInt8], _ body: (String, String) -> Void) -> Int {
    var fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
    if fields.last?.isEmpty == true { fields.removeLast() }
    var i = 0
    var refused = 0
    while i + 1 < fields.count {
        if fields[i + 1].isEmpty { refused += 1 } else {
            body(String(decoding: fields[i], as: UTF8.self), String(decoding: fields[i + 1], as: UTF8.self))
        }
        i += 2
    }
    return refused
}

/// An in-memory file (memfd_create) holding `bytes`, positioned at 0.
func memoryFile(_ bytes: [UInt8]) throws(Errno) -> FileDescriptor {
    let raw = toolbox_memfd()
    if raw < 0 { throw Errno.current }
    let fd = FileDescriptor(rawValue: raw)
    let written = bytes.withUnsafeBytes { b -> Int32 in
        var off = 0
        while off < b.count {
            let n = Glibc_write(raw, b.baseAddress! + off, b.count - off)
            if n < 0 { if errno == EINTR { continue }; return errno }
            off += n
        }
        return 0
    }
    if written != 0 { fd.close(); throw Errno(written) }
    if lseek(raw, 0, SEEK_SET) != 0 { let e = Errno.current; fd.close(); throw e }
    return fd
}

/// After `refused` (EACCES/EPERM) for an entry of the process whose /proc
/// directory is `owner`: runs `body` with that process's uid and gid when
/// cap_setuid and cap_setgid are effective; otherwise, or when that fails
/// too, throws the explanation (`explainProcAccessDenied`).
func borrowing<T>(procfs: ProcFS = ProcFS(), owner: FileDescriptor, pid: Int32?, subject: String, refused: Errno,
                  _ body: (UInt32, UInt32) throws(Errno) -> T) throws(PathError) -> (T, ProcAccessWay) {
    guard refused.isPermission else { throw PathError(subject, refused) }
    let b: Bytes
    let buffer = ReadBuffer()
    do { b = try buffer.readFile("status", relativeTo: owner) } catch {
        throw PathError(subject, error.isVanished ? .noSuchProcess : refused)
    }
    guard let target = PidStatus.parse(b) else { throw PathError(subject, refused) }
    let me = try? procfs.status(nil)
    let eff = CapabilitySet(rawValue: me?.capEffective ?? 0)
    var borrowError: Errno? = nil
    // No helper when it would take our own file-system ids (ps -ef forked
    // one for /proc/1/root on every run): it has our capabilities minus
    // CAP_SYS_PTRACE, and the kernel's ptrace-read check (the fsuid/fsgid
    // against the target's ids, then the target's permitted capabilities
    // against the caller's effective ones, commoncap's cap_issubset) cannot
    // pass for it where it failed for us. The first try of this (86dbb0f)
    // was reverted because lsof -p then reported a refusal the helper had
    // hidden: its refused readlinkats were skipped, an empty fd list
    // instead of an error (borrow.h reports them now; BorrowSkipTests).
    let ownIDs = me.map { $0.uids.count > 3 && $0.gids.count > 3 && $0.uids[3] == target.realUID && $0.gids[3] == target.realGID } ?? false
    if eff.contains(.setuid) && eff.contains(.setgid), !ownIDs, let uid = target.realUID, let gid = target.realGID {
        do { return (try body(uid, gid), .borrowed(uid: uid, gid: gid)) } catch { borrowError = error }
    }
    throw PathError(subject, refused, detail: explainProcAccessDenied(pid: pid ?? target.pid ?? 0, target: target, me: me, borrowError: borrowError))
}

/// Opens /proc/PID/ENTRY (root and cwd: pass O_PATH|O_DIRECTORY; fd:
/// O_RDONLY|O_DIRECTORY to list it). Tries directly; when that is refused
/// (EACCES/EPERM) and cap_setuid and cap_setgid are effective, borrows the
/// target's uid and gid in a short-lived child. When nothing works the
/// error's detail says why and how to fix it.
public func openProcEntry(procfs: ProcFS = ProcFS(), pid: Int32?, _ entry: ProcEntry,
                          flags: Int32 = O_PATH | O_DIRECTORY) throws(PathError) -> (FileDescriptor, ProcAccessWay) {
    let path = procfs.path(pid, entry.rawValue)
    let firstError: Errno
    do { return (try FileDescriptor.open(path, flags), .direct) }
    catch { firstError = error }
    guard firstError.isPermission, let pid else { throw PathError(path, firstError) }
    let owner: FileDescriptor
    do { owner = try FileDescriptor.open(procfs.path(pid, ""), O_PATH | O_DIRECTORY) }
    catch { throw PathError(path, error.isVanished ? .noSuchProcess : firstError) }
    defer { owner.close() }
    return try borrowing(procfs: procfs, owner: owner, pid: pid, subject: path, refused: firstError) { uid, gid throws(Errno) in
        try borrowOpen(dir: owner, name: entry.rawValue, flags: flags, uid: uid, gid: gid)
    }
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
        // Each link read as listed, into one reused buffer (no path string
        // per entry); the kernel lists fds ascending.
        var listed = 0
        let text = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { text.deallocate() }
        try DirectoryReader(capacity: 32768).forEach(dir) { name, cName, _, _ in
            guard let v = name.decimalValue, v <= UInt64(Int32.max) else { return true }
            listed += 1
            do throws(Errno) {
                let n = try readLink(cPath: cName, relativeTo: dir, into: text)
                links.append((Int32(v), String(decoding: UnsafeRawBufferPointer(rebasing: text[0..<n]), as: UTF8.self)))
            } catch {
                if error.isPermission { denied = error; return false }
            }
            return true
        }
        var sorted = true
        var i = 1
        while i < links.count { if links[i - 1].fd > links[i].fd { sorted = false; break }; i += 1 }
        if !sorted { links.sort { $0.fd < $1.fd } }
        // Without ptrace access the kernel lists nothing rather than refusing.
        if denied == nil && listed > 0 { return (links, .direct) }
        if listed == 0, let s = try? procfs.status(pid), let me = try? procfs.status(nil),
           s.realUID == me.effectiveUID || CapabilitySet(rawValue: me.capEffective ?? 0).contains(.sysPtrace) {
            return ([], .direct)
        }
        denied = denied ?? .permissionDenied
    } catch {
        if !error.isPermission { throw PathError(path, error) }
        denied = error
    }
    let owner: FileDescriptor
    do { owner = try FileDescriptor.open(procfs.path(pid, ""), O_PATH | O_DIRECTORY) }
    catch { throw PathError(path, error.isVanished ? .noSuchProcess : denied!) }
    defer { owner.close() }
    return try borrowing(procfs: procfs, owner: owner, pid: pid, subject: path, refused: denied!) { uid, gid throws(Errno) in
        try borrowedFDLinks(procfs: procfs, pid: pid, uid: uid, gid: gid)
    }
}

/// Reads the /proc/PID/fd links in a helper child running as `uid`/`gid`
/// (borrow.h), whatever this process's own access. Sorted by descriptor.
public func borrowedFDLinks(procfs: ProcFS = ProcFS(), pid: Int32, uid: UInt32, gid: UInt32) throws(Errno) -> [(fd: Int32, target: String)] {
    let dir = try FileDescriptor.open(procfs.path(pid, "fd"), O_PATH | O_DIRECTORY)
    defer { dir.close() }
    let bytes = try borrowStream(Int32(TOOLBOX_BORROW_LINKS), dir: dir, name: ".", uid: uid, gid: gid, cap: 16 << 20)
    var links: [(fd: Int32, target: String)] = []
    let refused = forEachRecordPair(bytes) { name, target in
        if let fd = Int32(name) { links.append((fd, target)) }
    }
    // The kernel decides per process, not per link: one refused, all are.
    if refused > 0 { throw Errno.permissionDenied }
    return links.sorted { $0.fd < $1.fd }
}

/// A helper child's failure in words (for `explainProcAccessDenied`).
func helperFailure(_ e: Errno) -> String {
    switch e.rawValue {
    case ETIMEDOUT: return "the helper child did not finish within \(TOOLBOX_HELPER_DEADLINE_MS / 1000) s and was killed"
    case ETIME: return "not tried: an earlier helper child did not finish within \(TOOLBOX_HELPER_DEADLINE_MS / 1000) s"
    default: return e.message
    }
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
            s += "; process \(pid) holds capabilities this container lacks (\(targetCaps.names.joinedText(",")))"
        } else {
            s += "; process \(pid) refuses ptrace-read access (it is not dumpable, or its uids or gids differ)"
        }
        return s + "; " + fix
    }
    if !eff.contains(.setuid) || !eff.contains(.setgid) {
        s += " and without \(eff.contains(.setuid) ? "cap_setgid" : "cap_setuid")"
        return s + "; " + fix + " or run the debug container as uid \(tuid)"
    }
    s += "; opening it as uid \(tuid) failed too (\(borrowError.map(helperFailure) ?? "no gid known"))"
    if (target.capPermitted ?? 0) != 0 {
        s += ": process \(pid) holds capabilities (\(CapabilitySet(rawValue: target.capPermitted ?? 0).names.joinedText(","))) that a helper running as uid \(tuid) cannot match"
    }
    return s + "; " + fix
}
