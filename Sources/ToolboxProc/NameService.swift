import ToolboxFormats
import ToolboxSystem

/// User and group names as process `pid`'s own container sees them: its
/// root's /etc/passwd and /etc/group, read confined to /proc/PID/root, which
/// is opened directly or with the target's borrowed uid (`openProcEntry`).
/// When the root cannot be opened the tables are empty, so callers print
/// numbers: the debugger's own /etc/passwd would name the ids wrongly.
/// (Shared by caps PID and netstat --pid.)
public func containerIDNames(procfs: ProcFS, pid: Int32) -> (users: IDNames, groups: IDNames) {
    guard let (root, _) = try? openProcEntry(procfs: procfs, pid: pid, .root) else { return (IDNames(), IDNames()) }
    defer { root.close() }
    let users = (try? readFileInRoot(root, "/etc/passwd")).map { IDNames(parsing: $0) } ?? IDNames()
    let groups = (try? readFileInRoot(root, "/etc/group")).map { IDNames(parsing: $0) } ?? IDNames()
    return (users, groups)
}
