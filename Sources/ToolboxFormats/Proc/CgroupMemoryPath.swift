/// Resolving a process's memory cgroup directory from /proc/PID/cgroup
/// (cgroups(7)) and the cgroup mounts of /proc/PID/mountinfo: pure, no I/O.
/// free(1) reads the limit and usage files there.

/// Where this process's memory cgroup lives: for the v2 line `0::/path`
/// under each cgroup2 mount, and for the v1 line naming `memory` under
/// each cgroup mount with the memory option, the mount point plus the path
/// relative to the mount's root. v2 first.
public func cgroupMemoryDirectories(cgroupFile: String, mounts: [MountInfo.Mount]) -> [(path: String, v2: Bool)] {
    var v2Path: String? = nil, v1Path: String? = nil
    for line in cgroupFile.split(separator: "\n") {
        let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard f.count == 3 else { continue }
        if f[0] == "0" && f[1].isEmpty { v2Path = String(f[2]) }
        else if f[1].split(separator: ",").contains("memory") { v1Path = String(f[2]) }
    }
    func under(_ m: MountInfo.Mount, _ path: String) -> String? {
        var rel = path
        if m.root != "/" {
            guard path == m.root || path.hasPrefix(m.root + "/") else { return nil }
            rel = String(path.dropFirst(m.root.count))
        }
        if rel.isEmpty || rel == "/" { return m.mountPoint }
        return m.mountPoint == "/" ? rel : m.mountPoint + rel
    }
    var out: [(String, Bool)] = []
    if let v2Path {
        for m in mounts where m.fsType == "cgroup2" { if let d = under(m, v2Path) { out.append((d, true)) } }
    }
    if let v1Path {
        for m in mounts where m.fsType == "cgroup" && m.superOptions.split(separator: ",").contains("memory") {
            if let d = under(m, v1Path) { out.append((d, false)) }
        }
    }
    return out
}
