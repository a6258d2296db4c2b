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
public func walkInRoot(_ root: FileDescriptor, _ path: String, flags: Int32,
                       allowMissingLast: Bool) throws(Errno) -> (fd: FileDescriptor?, path: String) {
    var dirs: [FileDescriptor] = []       // opened directories below root
    var names: [String] = []              // their names, for the canonical path
    defer { for d in dirs { d.close() } }
    var current: FileDescriptor { dirs.last ?? root }
    // Components still to walk, in reverse order (popLast is the next one).
    var pending: [Substring] = []
    func push(_ p: String) { pushComponents(p, onto: &pending) }
    push(path)
    var links = 0
    let followLast = flags & O_NOFOLLOW == 0
    while let comp = pending.popLast() {
        let isLast = pending.isEmpty
        if comp == "." || comp == ".." {
            if comp == "..", let d = dirs.popLast() { d.close(); names.removeLast() }
            if isLast {
                let fd = try FileDescriptor.open(".", flags, relativeTo: current)
                return (fd, "/" + names.joinedText("/"))
            }
            continue
        }
        let name = String(comp)
        let probe: FileDescriptor
        do { probe = try FileDescriptor.open(name, O_PATH | O_NOFOLLOW, relativeTo: current) } catch {
            if error == .noSuchFile && isLast && allowMissingLast { return (nil, "/" + (names + [name]).joinedText("/")) }
            if error == .noSuchFile && isLast && flags & O_CREAT != 0 {
                // Created here, as openat2 would (tar -cf into a container).
                let fd = try FileDescriptor.open(name, flags | O_NOFOLLOW, mode: 0o600, relativeTo: current)
                return (fd, "/" + (names + [name]).joinedText("/"))
            }
            throw error
        }
        let st: Glibc_stat_t
        do { st = try probe.stat() } catch { probe.close(); throw error }
        let type = st.st_mode & S_IFMT
        if type == S_IFLNK && (!isLast || followLast) {
            defer { probe.close() }
            if try isMagicLink(probe, parent: current) { throw Errno.tooManySymlinks }
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
                return (probe, "/" + (names + [name]).joinedText("/"))
            }
            probe.close()
            let fd = try FileDescriptor.open(name, flags | O_NOFOLLOW, relativeTo: current)
            return (fd, "/" + (names + [name]).joinedText("/"))
        }
        guard type == S_IFDIR else { probe.close(); throw Errno.notDirectory }
        dirs.append(probe); names.append(name)
    }
    // Empty path or "/": the root itself.
    let fd = try FileDescriptor.open(".", flags, relativeTo: current)
    return (fd, "/" + names.joinedText("/"))
}

/// A procfs symbolic link outside the procfs root directory (/proc/PID/root,
/// /proc/PID/fd/N, /proc/PID/exe ...) is a magic link; /proc/self and
/// /proc/thread-self (in the procfs root, inode 1) are ordinary links.
public func isMagicLink(_ link: FileDescriptor, parent: FileDescriptor) throws(Errno) -> Bool {
    let type = cshim_fstatfs_type(link.rawValue)
    if type == -1 { throw Errno.current }
    guard type == CSHIM_PROC_SUPER_MAGIC else { return false }
    let parentStat = try parent.stat()
    return parentStat.st_ino != 1
}

/// Reads `path` resolved inside the open root directory `root`: a file the
/// container chose, so bounded (regular file, non-blocking, capped: see
/// `readChosenFile`) and with O_NOATIME where permitted.
public func readFileInRoot(_ root: FileDescriptor, _ path: String) throws(ChosenFileError) -> [UInt8] {
    try readChosenFile { f throws(Errno) in try openInRoot(root, path, flags: f) }
}

/// getcwd(3), or nil when it fails or the directory is not reachable from
/// this process's root (Linux then reports "(unreachable)/...").
func workingDirectory() -> String? {
    // `toolbox sh` keeps the logical directory in $PWD (docs/sh.md): after
    // `cd /proc/8/root/app` the kernel's name for the directory is the
    // container's `/app` (or "(unreachable)/app"), which would lose the
    // root. Trust $PWD when it goes through /proc and names this directory.
    if let p = getenv("PWD"), p[0] == 0x2F, strncmp(p, "/proc/", 6) == 0 {
        var a = Glibc_stat_t(), b = Glibc_stat_t()
        if stat(p, &a) == 0, stat(".", &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
            return String(cString: p)
        }
    }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4097) { buf -> String? in
        guard getcwd(buf.baseAddress!, buf.count) != nil, buf[0] == 0x2F else { return nil }
        return String(cString: buf.baseAddress!)
    }
}


/// What makes a directory the same directory: its mount (statx
/// STATX_MNT_ID, Linux 5.8; 0 before), device and inode. The mount counts:
/// a container's root can be the same inode as a host directory reached
/// through another mount namespace's copy of the mount.
public struct FileIdentity: Hashable, Sendable {
    public let mount: UInt64
    public let dev: UInt64
    public let ino: UInt64

    public init?(_ fd: FileDescriptor) {
        var sx = cshim_statx()
        if cshim_statx(fd.rawValue, "", CSHIM_AT_EMPTY_PATH, CSHIM_STATX_BASIC_STATS | CSHIM_STATX_MNT_ID, &sx) == 0 {
            mount = sx.stx_mask & CSHIM_STATX_MNT_ID != 0 ? sx.spare.0 : 0
            dev = UInt64(sx.stx_dev_major) << 32 | UInt64(sx.stx_dev_minor)
            ino = sx.stx_ino
            return
        }
        guard let st = try? fd.stat() else { return nil }
        mount = 0; dev = UInt64(st.st_dev); ino = UInt64(st.st_ino)
    }
}

/// Pushes the components of `p` onto a walk's stack of pending components
/// (reversed: popLast is the next one); a trailing slash adds `.` (the last
/// component must be a directory).
func pushComponents(_ p: String, onto pending: inout [Substring]) {
    var comps = p.split(separator: "/", omittingEmptySubsequences: true)
    if p.hasSuffix("/") && !comps.isEmpty { comps.append(".") }
    pending.append(contentsOf: comps.reversed())
}
