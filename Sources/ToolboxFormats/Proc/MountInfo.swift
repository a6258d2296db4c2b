/// /proc/PID/mountinfo (proc(5), Linux 2.6.26): one mount per line,
///   `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
/// mount id, parent id, major:minor, root (the path inside the file system
/// that is mounted), mount point, per-mount options, zero or more optional
/// fields ended by `-`, file system type, source, super-block options.
/// Paths escape space, tab, newline and backslash as `\040` `\011` `\012`
/// `\134`; they are unescaped here. Lines that do not parse are skipped.
public struct MountInfo: Equatable, Sendable {
    public struct Mount: Equatable, Sendable {
        public var id: Int = 0
        public var parent: Int = 0
        public var major: UInt32 = 0
        public var minor: UInt32 = 0
        public var root: String = ""
        public var mountPoint: String = ""
        public var options: String = ""
        public var optionalFields: [String] = []
        public var fsType: String = ""
        public var source: String = ""
        public var superOptions: String = ""

        /// `ro` among the per-mount options.
        public var readOnly: Bool { hasOption("ro", in: options) }
        /// `ro` among the super-block options.
        public var superReadOnly: Bool { hasOption("ro", in: superOptions) }
    }
    public var mounts: [Mount] = []
    public init() {}

    public static func parse(_ bytes: Bytes) -> MountInfo {
        var out = MountInfo()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            if let m = parseLine(line) { out.mounts.append(m) }
        }
        return out
    }

    public static func parseLine(_ line: Bytes) -> Mount? {
        var f = ByteScanner(line)
        guard let id = f.int(), let parent = f.int(), let dev = f.field(),
              let root = f.field(), let point = f.field(), let opts = f.field() else { return nil }
        var devScan = ByteScanner(dev)
        guard let major = devScan.uint(), devScan.skip(past: ASCII.colon), let minor = devScan.uint() else { return nil }
        var optional: [String] = []
        while true {
            guard let x = f.field() else { return nil }
            if x.equals("-") { break }
            optional.append(x.string)
        }
        guard let type = f.field() else { return nil }
        let source = f.field().map(unescape) ?? ""
        let sopts = f.field()?.string ?? ""
        return Mount(id: Int(id), parent: Int(parent), major: UInt32(truncatingIfNeeded: major),
                     minor: UInt32(truncatingIfNeeded: minor), root: unescape(root), mountPoint: unescape(point),
                     options: opts.string, optionalFields: optional, fsType: unescape(type), source: source,
                     superOptions: sopts)
    }

    /// Undoes the kernel's `\ooo` octal escapes (fs/proc_namespace.c: mangle).
    public static func unescape(_ b: Bytes) -> String {
        guard b.contains(0x5C) else { return b.string }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x5C, i + 3 < b.count, (0x30...0x33).contains(b[i + 1]),
               (0x30...0x37).contains(b[i + 2]), (0x30...0x37).contains(b[i + 3]) {
                out.append((b[i + 1] - 0x30) << 6 | (b[i + 2] - 0x30) << 3 | (b[i + 3] - 0x30))
                i += 4
                continue
            }
            out.append(b[i]); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension MountInfo.Mount {
    /// An empty mount (df's row for a path whose mount is not found).
    public static var empty: MountInfo.Mount { MountInfo.Mount() }
}

/// True when the comma-separated `list` has `option` as one item.
func hasOption(_ option: String, in list: String) -> Bool {
    list.split(separator: ",").contains { $0 == option }
}

/// What a container mount is, recognised from the path it was bound from
/// (kubelet's pod directory layout, pkg/volume/util: /var/lib/kubelet/pods/
/// <uid>/volumes/kubernetes.io~<plugin>/<name>, .../volume-subpaths/...,
/// .../etc-hosts, .../containers/<name>/<id> for the termination log) and
/// the runtimes' own files (podman/CRI-O userdata hosts, resolv.conf...).
public enum VolumeKind: String, Sendable {
    case configMap = "configmap", secret, projected, downwardAPI = "downwardapi", emptyDir = "emptydir"
    case persistentVolume = "pv", hostPath = "hostpath", kubeletFile = "kubelet-file"
    case runtimeFile = "runtime-file", rootfs, kernel, masked, other

    /// `path`: the mount's root (the path inside its file system), or the
    /// host mount point of the same file system when the root is `/`.
    public static func classify(path: String, fsType: String, mountPoint: String) -> VolumeKind {
        if mountPoint == "/" { return .rootfs }
        switch fsType {
        case "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs", "debugfs", "tracefs",
             "bpf", "pstore", "configfs", "fusectl", "hugetlbfs", "binfmt_misc", "nsfs":
            return .kernel
        default: break
        }
        // The runtime's masked paths (/proc/kcore, /sys/firmware...): /dev/null or an empty tmpfs.
        if mountPoint.hasPrefix("/proc/") || mountPoint.hasPrefix("/sys/") { return .masked }
        if let end = endOf("/volumes/kubernetes.io~", in: path) {
            let plugin = String(decoding: path.utf8.dropFirst(end).prefix { $0 != 0x2F }, as: UTF8.self)
            switch plugin {
            case "configmap": return .configMap
            case "secret": return .secret
            case "projected": return .projected
            case "downward-api": return .downwardAPI
            case "empty-dir": return .emptyDir
            default: return .persistentVolume     // csi, nfs, local-volume, aws-ebs, ...
            }
        }
        if endOf("/volume-subpaths/", in: path) != nil { return .persistentVolume }
        if endOf("/kubelet/pods/", in: path) != nil { return .kubeletFile }
        if endOf("/userdata/", in: path) != nil || endOf("/containers/storage/", in: path) != nil
            || endOf("/sandboxes/", in: path) != nil {
            return .runtimeFile
        }
        if fsType == "tmpfs" && path == "/" { return .other }
        if path != "/" && !path.isEmpty { return .hostPath }
        return .other
    }
}

/// The UTF-8 offset just past the first occurrence of `needle` in `hay`.
func endOf(_ needle: String, in hay: String) -> Int? {
    let h = Array(hay.utf8), n = Array(needle.utf8)
    guard n.count <= h.count else { return nil }
    var i = 0
    while i + n.count <= h.count {
        if h[i] == n[0] && Array(h[i..<(i + n.count)]) == n { return i + n.count }
        i += 1
    }
    return nil
}
