import ToolboxFormats
import ToolboxSystem

/// Why a /proc read failed, as callers need to tell it apart (procfs-rs).
public enum ProcError: Error, Equatable {
    /// The process (or file) is gone: skip it silently.
    case vanished
    /// EACCES/EPERM: hidepid, another uid without cap_sys_ptrace, ...
    case permissionDenied
    /// The file was read but its content did not parse.
    case malformed(String)
    case system(Errno)

    public init(_ e: Errno) {
        if e.isVanished { self = .vanished }
        else if e.isPermission { self = .permissionDenied }
        else { self = .system(e) }
    }
}

/// A /proc tree rooted at a configurable path, so tests read captured
/// fixture trees with the same code that reads the live /proc.
public struct ProcFS: Sendable {
    public let root: String

    public init(root: String = "/proc") {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// `ROOT/PID/file`, `ROOT/self/file` for pid nil.
    public func path(_ pid: Int32?, _ file: String) -> String {
        let p = pid.map { String($0) } ?? "self"
        return file.isEmpty ? "\(root)/\(p)" : "\(root)/\(p)/\(file)"
    }

    /// Throws, with one line that says so, when the root holds no process
    /// information: an empty /proc (a chroot or a mount namespace without
    /// procfs). One stat of ROOT/self on a real procfs; fixture trees
    /// without `self` pass when they hold any pid directory.
    public func requireMounted() throws(ToolError) {
        if (try? fileStatus(root + "/self")) != nil { return }
        if let p = try? pids(), !p.isEmpty { return }
        throw ToolError.failure("\(root): no process information: procfs is not mounted (mount -t proc proc \(root))")
    }

    /// The numeric entries of the root, ascending.
    public func pids() throws(Errno) -> [Int32] {
        var pids: [Int32] = []
        try forEachDirectoryEntry(root) { name, _ in
            if let v = name.decimalValue, v > 0, v <= UInt64(Int32.max) { pids.append(Int32(v)) }
        }
        pids.sort()
        return pids
    }

    /// Reads `ROOT/relative` into `buffer`.
    public func read(_ relative: String, into buffer: ReadBuffer) throws(ProcError) -> Bytes {
        do { return try buffer.readFile("\(root)/\(relative)") }
        catch { throw ProcError(error) }
    }

    /// Reads and parses /proc/PID/status (pid nil: self).
    public func status(_ pid: Int32?, buffer: ReadBuffer = ReadBuffer()) throws(ProcError) -> PidStatus {
        let b: Bytes
        do { b = try buffer.readFile(path(pid, "status")) } catch { throw ProcError(error) }
        guard let s = PidStatus.parse(b) else { throw .malformed("status") }
        return s
    }

    /// The start time of `pid` (/proc/PID/stat field 22, clock ticks since
    /// boot), nil when it is gone or unreadable. The same start time before
    /// and after a series of reads means they all saw one process: a pid
    /// reused in between belongs to a process started later.
    public func startTime(_ pid: Int32, buffer: ReadBuffer = ReadBuffer()) -> UInt64? {
        guard let b = try? buffer.readFile(path(pid, "stat")) else { return nil }
        return PidStat.parse(b)?.startTime
    }
}

/// Calls `body(name, d_type)` for each entry of the directory at `path`
/// except `.` and `..`. The name bytes are valid only during the call.
public func forEachDirectoryEntry(_ path: String, _ body: (Bytes, UInt8) -> Void) throws(Errno) {
    let dir = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
    defer { dir.close() }
    try DirectoryReader(capacity: 1 << 15).forEach(dir) { name, _, type, _ in body(name, type); return true }
}
