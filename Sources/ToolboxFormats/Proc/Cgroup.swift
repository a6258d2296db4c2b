/// Which container a process runs in, from /proc/PID/cgroup (cgroups(7)).
///
/// Lines are `hierarchy-ID:controllers:path`; cgroup v2 has the single line
/// `0::/path`, v1 one line per hierarchy. The container id is the 64-hex
/// component the runtime put in the path:
///   containerd (systemd driver)  .../cri-containerd-<id>.scope
///   CRI-O                        .../crio-<id>.scope  (crio-conmon-<id> is conmon, not the container)
///   docker (systemd driver)      /system.slice/docker-<id>.scope
///   docker (cgroupfs driver)     /docker/<id>
///   podman                       .../libpod-<id>.scope[/container]  (libpod-conmon-<id> is conmon),
///                                /libpod_parent/libpod-<id> (cgroupfs manager)
///   kubelet cgroupfs driver      /kubepods/<qos>/pod<uid>/<id>
/// Inside a cgroup namespace the path is relative (`/../cri-containerd-<id>.scope`);
/// `..` components are skipped like any other non-matching component.
public struct ContainerRef: Equatable, Sendable {
    public enum Runtime: String, Sendable { case containerd, crio = "cri-o", docker, podman, unknown }
    /// The full 64-hex id.
    public var id: String
    public var runtime: Runtime
    /// The pod UID from a kubepods path (dashes restored), if any.
    public var podUID: String?

    /// The first 12 characters, as `docker ps` and `crictl ps` print it.
    public var shortID: String { String(id.prefix(12)) }

    public init(id: String, runtime: Runtime, podUID: String? = nil) {
        self.id = id; self.runtime = runtime; self.podUID = podUID
    }

    /// Parses the whole text of /proc/PID/cgroup. The v2 line wins when it
    /// names a container; otherwise the first v1 line that does.
    public static func parse(_ bytes: Bytes) -> ContainerRef? {
        var scanner = ByteScanner(bytes)
        var v1: ContainerRef?
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            var f = ByteScanner(line)
            let hid = f.upTo(ASCII.colon)
            _ = f.upTo(ASCII.colon)
            let path = f.remaining
            guard !hid.isEmpty, f.position <= line.count, let ref = fromPath(path) else { continue }
            if hid.equals("0") { return ref }
            if v1 == nil { v1 = ref }
        }
        return v1
    }

    /// Finds the deepest container id in one cgroup path.
    public static func fromPath(_ path: Bytes) -> ContainerRef? {
        var found: ContainerRef?
        var pod: String?
        var start = 0
        var i = 0
        while i <= path.count {
            if i == path.count || path[i] == 0x2F {
                if i > start {
                    let comp = Bytes(rebasing: path[start..<i])
                    if let p = podUIDFrom(comp) { pod = p }
                    // A bare 64-hex component is a container only as the
                    // last one: podman's /libpod_parent/<pod id>/conmon is not.
                    if let r = idFrom(comp), r.runtime != .unknown || i >= path.count - (path.last == 0x0A ? 1 : 0) { found = r }
                }
                start = i + 1
            }
            i += 1
        }
        if var f = found { f.podUID = pod; return f }
        return nil
    }

    private static let prefixes: [(String, Runtime)] = [
        ("cri-containerd-", .containerd), ("crio-", .crio), ("docker-", .docker), ("libpod-", .podman),
    ]

    static func idFrom(_ comp: Bytes) -> ContainerRef? {
        var s = comp.string
        if s.hasSuffix(".scope") { s.removeLast(6) }
        if s.hasPrefix("crio-conmon-") || s.hasPrefix("libpod-conmon-") { return nil }
        var runtime = Runtime.unknown
        for (p, r) in prefixes where s.hasPrefix(p) { s.removeFirst(p.count); runtime = r; break }
        guard s.utf8.count == 64, s.utf8.allSatisfy({ ASCII.hexValue($0) != nil && !($0 >= 0x41 && $0 <= 0x46) }) else { return nil }
        return ContainerRef(id: s, runtime: runtime)
    }

    /// `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid_with_underscores>.slice` (systemd).
    static func podUIDFrom(_ comp: Bytes) -> String? {
        var s = comp.string
        if s.hasSuffix(".slice") { s.removeLast(6) }
        let uid: Substring
        if s.hasPrefix("pod") {
            uid = s.dropFirst(3)
        } else if s.hasPrefix("kubepods-"), let dash = s.lastIndex(of: "-"), s[s.index(after: dash)...].hasPrefix("pod") {
            uid = s[s.index(dash, offsetBy: 4)...]
        } else {
            return nil
        }
        let fixed = String(uid.map { $0 == "_" ? "-" : $0 })
        guard fixed.count == 36, fixed.allSatisfy({ $0 == "-" || $0.isHexDigit }) else { return nil }
        return fixed
    }
}
