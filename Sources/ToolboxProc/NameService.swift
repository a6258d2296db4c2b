import ToolboxFormats
import ToolboxSystem

// The name service: where user and group names come from. Parsing is
// ToolboxFormats' (IDNames, UserDatabase: passwd(5)/group(5), never NSS);
// here the files are found and read, bounded (`readChosenFile`):
// - the host's (the debugger's own root, `hostRoot`): `hostIDNames`;
// - one process's container: `containerIDNames` (caps PID, netstat --pid);
// - every process root of a listing, parsed once per root: `RootNames` (ps, top);
// - a path's root under /proc/PID/root: `rootIDNames` in Files/FileSupport.swift.

extension IDNames {
    /// Reads (bounded: `readChosenFile`) and parses a file; nil if it cannot be read.
    public static func load(_ path: String, relativeTo dir: FileDescriptor = .currentDirectory) -> IDNames? {
        guard let bytes = try? readChosenFile({ f throws(Errno) in try FileDescriptor.open(path, f, relativeTo: dir) }) else { return nil }
        return IDNames(parsing: bytes)
    }
}

/// The host's /etc/passwd and /etc/group under `hostRoot` (empty tables
/// when unreadable: ids print as numbers).
public func hostIDNames(hostRoot: String) -> (users: IDNames, groups: IDNames) {
    (IDNames.load(hostRoot + "/etc/passwd") ?? IDNames(), IDNames.load(hostRoot + "/etc/group") ?? IDNames())
}

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
