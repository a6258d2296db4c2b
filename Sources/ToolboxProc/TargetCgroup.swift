import ToolboxFormats
import ToolboxSystem

/// The cgroup control files of another process, wherever this process can
/// reach them (cgroups(7)):
///   - host cgroupfs: a cgroup mount of this process's own (v2 `cgroup2`, or
///     v1 `cgroup` with the controller among its options) whose root is a
///     prefix of the target's path in /proc/PID/cgroup: on the node, or in a
///     debug container that shares the cgroup namespace and mounts the
///     whole hierarchy;
///   - the target's root: the same search over the target's own mountinfo,
///     read as /proc/PID/root/MOUNTPOINT/... (what the runtime mounted for
///     the app; opened confined, by borrowed identity when needed).
/// v2 is tried before v1; on a hybrid system a v2 file that does not exist
/// (controller not enabled there) falls back to v1. Every read is bounded.
public final class TargetCgroup {
    public let pid: Int32
    public let cgroup: PidCgroup
    private let procfs: ProcFS
    private let opener: PathOpener
    private let ownMounts: MountInfo
    private var targetMounts: MountInfo?
    private let buffer = ReadBuffer(capacity: 8192)
    /// Why the target root could not be used, if it was tried and failed.
    public private(set) var targetRootError: String?

    /// One place a file was read: `v1`/`v2`, the directory shown to the user
    /// and how it was reached.
    public struct Source: Equatable, Sendable {
        public let version: Int
        public let directory: String
        public let via: String          // "host cgroupfs" or "target root"
        public var description: String { "cgroup v\(version) \(directory) (\(via))" }
    }

    public init(procfs: ProcFS, pid: Int32, opener: PathOpener) throws(ProcError) {
        self.procfs = procfs; self.pid = pid; self.opener = opener
        let b: Bytes
        do { b = try readBoundedFile(procfs.path(pid, "cgroup"), into: buffer) } catch { throw ProcError(error) }
        cgroup = PidCgroup.parse(b)
        let mine = try? readBoundedFile(procfs.path(nil, "mountinfo"), into: buffer)
        ownMounts = mine.map(MountInfo.parse) ?? MountInfo()
    }

    /// True when the process is in the root cgroup of `controller`'s
    /// hierarchy (v1) or of v2, where no limit files exist.
    public func inRootCgroup(_ controller: String) -> Bool {
        (cgroup.v1(controller)?.path ?? cgroup.v2?.path) == "/"
    }

    /// Reads `file` of `controller`: the v2 name first (when given), then the
    /// v1 name. Returns the bytes and where they came from, nil when no
    /// place has the file.
    public func read(_ controller: String, v2 v2File: String?, v1 v1File: String?) -> (bytes: [UInt8], source: Source)? {
        for (version, file) in [(2, v2File), (1, v1File)] {
            guard let file else { continue }
            guard let entry = version == 2 ? cgroup.v2 : cgroup.v1(controller) else { continue }
            // Host cgroupfs.
            for dir in directories(in: ownMounts, controller: controller, version: version, path: entry.path) {
                if let bytes = try? copy(readBoundedFile(dir + "/" + file, into: buffer, cap: 1 << 20)) {
                    return (bytes, Source(version: version, directory: dir, via: "host cgroupfs"))
                }
            }
            // The target's root.
            if targetMounts == nil {
                let (m, _) = (try? readTargetEntry(procfs: procfs, pid: pid, "mountinfo")) ?? ([], .direct)
                targetMounts = withBytes(m) { MountInfo.parse($0) }
            }
            let rootPrefix = procfs.path(pid, "root")
            for dir in directories(in: targetMounts!, controller: controller, version: version, path: entry.path) {
                do {
                    let opened = try opener.open(rootPrefix + dir + "/" + file, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY)
                    defer { opened.fd.close() }
                    let bytes = try copy(readBounded(opened.fd, into: buffer, cap: 1 << 20))
                    return (bytes, Source(version: version, directory: rootPrefix + dir, via: "target root"))
                } catch let e as PathError {
                    if e.errno != .noSuchFile && e.errno != .notDirectory { targetRootError = e.message }
                } catch {}
            }
        }
        return nil
    }

    private func copy(_ b: Bytes) -> [UInt8] { withExtendedLifetime(buffer) { Array(b) } }

    /// The directories for `path` under the matching cgroup mounts of `mounts`.
    func directories(in mounts: MountInfo, controller: String, version: Int, path: String) -> [String] {
        var out: [String] = []
        for m in mounts.mounts {
            if version == 2 { guard m.fsType == "cgroup2" else { continue } }
            else { guard m.fsType == "cgroup", m.superOptions.split(separator: ",").contains(where: { $0 == controller }) else { continue } }
            let root = m.root == "/" ? "" : m.root
            guard path == root || path.hasPrefix(root + "/") || root.isEmpty else { continue }
            let rest = String(path.dropFirst(root.count))
            let dir = m.mountPoint == "/" ? (rest.isEmpty ? "/" : rest) : m.mountPoint + (rest == "/" ? "" : rest)
            if !out.contains(dir) { out.append(dir) }
        }
        return out
    }
}
