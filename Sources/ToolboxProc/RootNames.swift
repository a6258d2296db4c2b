import ToolboxFormats
import ToolboxSystem

/// User and group names as each process's own container sees them: the
/// /etc/passwd and /etc/group inside /proc/PID/root, opened confined to that
/// root (openat2 RESOLVE_IN_ROOT, see ConfinedOpen.swift), parsed once per
/// distinct root (ProcessTable.roots, keyed by the root's st_dev/st_ino).
/// A root that is this process's own root uses the host files under
/// `hostRoot`; the root is opened directly or, without ptrace access, with
/// the target's borrowed uid (openProcEntry); a root that cannot be opened
/// either way falls back
/// to the host files, and `fallbacks` says which pid showed it first. A
/// root that is readable but has no /etc/passwd (a scratch image) names no
/// one: ids print as numbers.
public final class RootNames {
    public struct Names { public var users: IDNames; public var groups: IDNames }

    private let procfs: ProcFS
    private let hostRoot: String
    private var host: Names?
    private var perRoot: [Int32: Names] = [:]
    private var byRealID: [ProcessTable.RootID: Names] = [:]
    /// At most this many roots are opened with a borrowed uid per listing.
    static let borrowLimit = 256
    private var borrowBudget = RootNames.borrowLimit
    private var budgetNoted = false
    private var ownRoot: ProcessTable.RootID?
    /// (pid, path, reason) for roots whose files could not be read.
    public private(set) var fallbacks: [(pid: Int32, reason: String)] = []
    /// (pid, reason) for roots whose passwd/group is not a regular file or
    /// is too large (`readChosenFile`): their ids are shown as numbers.
    public private(set) var rejected: [(pid: Int32, reason: String)] = []
    /// The first root that could be opened neither directly nor with the
    /// borrowed uid (no cap_sys_ptrace, no cap_setuid/cap_setgid), and why.
    public private(set) var deniedRoot: (pid: Int32, error: Errno)?

    public init(procfs: ProcFS, hostRoot: String) {
        self.procfs = procfs
        self.hostRoot = hostRoot
        if let st = try? fileStatus(hostRoot.isEmpty ? "/" : hostRoot) {
            ownRoot = ProcessTable.RootID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        }
    }

    public var hostNames: Names {
        if let h = host { return h }
        let (users, groups) = hostIDNames(hostRoot: hostRoot)
        let h = Names(users: users, groups: groups)
        host = h
        return h
    }

    /// Names for root index `root` of `table` (-1: host).
    public func names(root: Int32, in table: ProcessTable) -> Names {
        guard root >= 0, Int(root) < table.roots.count else { return hostNames }
        if let n = perRoot[root] { return n }
        let r = table.roots[Int(root)]
        let n: Names
        if r.id == ownRoot {
            n = hostNames
        } else {
            let rootPath = procfs.path(r.pid, "root")
            // Opened directly, or with the target's borrowed uid when ptrace
            // access is refused (openProcEntry, as ls/cat and caps PID do).
            var rootFD: FileDescriptor? = nil
            var rootError: String? = nil, rootErrno: Errno? = nil
            if r.id.isUnexamined && borrowBudget <= 0 {
                // Each unexamined root costs a short-lived child; past the
                // budget (a node-wide listing without cap_sys_ptrace) stop.
                if !budgetNoted {
                    budgetNoted = true
                    fallbacks.append((r.pid, "\(rootPath): more than \(RootNames.borrowLimit) process roots need a borrowed uid (no cap_sys_ptrace)"))
                }
                perRoot[root] = hostNames
                return hostNames
            }
            if r.id.isUnexamined { borrowBudget -= 1 }
            do { rootFD = try openProcEntry(procfs: procfs, pid: r.pid, .root).0 } catch {
                rootError = error.message; rootErrno = error.errno
            }
            defer { rootFD?.close() }
            // A root the table could not stat: its real identity, so that
            // processes of one container share one parse.
            var realID: ProcessTable.RootID? = nil
            if r.id.isUnexamined, let fd = rootFD, let st = try? fd.stat() {
                let id = ProcessTable.RootID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
                if let known = byRealID[id] { perRoot[root] = known; return known }
                realID = id
            }
            func load(_ file: String) -> IDNames? {
                guard let rootFD else {
                    if r.id.isUnexamined {
                        if deniedRoot == nil { deniedRoot = (r.pid, rootErrno ?? .permissionDenied) }
                    } else {
                        fallbacks.append((r.pid, rootError ?? rootPath))
                    }
                    return nil
                }
                do { return IDNames(parsing: try readFileInRoot(rootFD, file)) } catch {
                    if error.errno == .noSuchFile || error.errno == .notDirectory { return IDNames() }
                    if error.errno == nil {
                        // The container made it something else than a small
                        // regular file: its ids are shown as numbers.
                        rejected.append((r.pid, "\(rootPath)\(file): \(error.message)"))
                        return IDNames()
                    }
                    fallbacks.append((r.pid, "\(rootPath)\(file): \(error.message)"))
                    return nil
                }
            }
            n = Names(users: load("/etc/passwd") ?? hostNames.users, groups: load("/etc/group") ?? hostNames.groups)
            if let realID { byRealID[realID] = n }
        }
        perRoot[root] = n
        return n
    }
}
