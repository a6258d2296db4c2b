/// User and group names as each process's own container sees them: the
/// /etc/passwd and /etc/group inside /proc/PID/root, opened confined to that
/// root (openat2 RESOLVE_IN_ROOT, see ConfinedOpen.swift), parsed once per
/// distinct root (ProcessTable.roots, keyed by the root's st_dev/st_ino).
/// A root that is this process's own root uses the host files under
/// `hostRoot`; a root that cannot be examined (no ptrace access) falls back
/// to the host files, and `fallbacks` says which pid showed it first. A
/// root that is readable but has no /etc/passwd (a scratch image) names no
/// one: ids print as numbers.
public final class RootNames {
    public struct Names { public var users: IDNames; public var groups: IDNames }

    private let procfs: ProcFS
    private let hostRoot: String
    private var host: Names?
    private var perRoot: [Int32: Names] = [:]
    private var ownRoot: ProcessTable.RootID?
    /// (pid, path, reason) for roots whose files could not be read.
    public private(set) var fallbacks: [(pid: Int32, reason: String)] = []

    public init(procfs: ProcFS, hostRoot: String) {
        self.procfs = procfs
        self.hostRoot = hostRoot
        if let st = try? fileStatus(hostRoot.isEmpty ? "/" : hostRoot) {
            ownRoot = ProcessTable.RootID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        }
    }

    public var hostNames: Names {
        if let h = host { return h }
        let h = Names(users: IDNames.load(hostRoot + "/etc/passwd") ?? IDNames(),
                      groups: IDNames.load(hostRoot + "/etc/group") ?? IDNames())
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
            func load(_ file: String) -> IDNames? {
                do { return IDNames(parsing: try readFileInRoot(rootPath, file)) } catch {
                    if error == .noSuchFile || error == .notDirectory { return IDNames() }
                    fallbacks.append((r.pid, "\(rootPath)\(file): \(error.message)"))
                    return nil
                }
            }
            n = Names(users: load("/etc/passwd") ?? hostNames.users, groups: load("/etc/group") ?? hostNames.groups)
        }
        perRoot[root] = n
        return n
    }
}
