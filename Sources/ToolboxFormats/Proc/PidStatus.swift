/// /proc/PID/status (proc(5)): the fields toolbox uses. Lines are `Key:\tvalue`;
/// unknown keys are ignored and every field is optional, since older kernels
/// lack some (CapAmb: 4.3, NoNewPrivs: 4.10, Seccomp: 3.8, Umask: 4.7).
public struct PidStatus: Equatable, Sendable {
    public var name: String?
    public var state: UInt8?
    public var tgid: Int32?
    public var pid: Int32?
    public var ppid: Int32?
    /// Real, effective, saved set, filesystem.
    public var uids: [UInt32] = []
    public var gids: [UInt32] = []
    public var groups: [UInt32] = []
    public var threads: Int?
    public var capInheritable: UInt64?
    public var capPermitted: UInt64?
    public var capEffective: UInt64?
    public var capBounding: UInt64?
    public var capAmbient: UInt64?
    public var noNewPrivs: Bool?
    /// 0 disabled, 1 strict, 2 filter.
    public var seccomp: Int?

    public init() {}

    public var realUID: UInt32? { uids.first }
    public var effectiveUID: UInt32? { uids.count > 1 ? uids[1] : nil }
    public var realGID: UInt32? { gids.first }
    public var effectiveGID: UInt32? { gids.count > 1 ? gids[1] : nil }

    /// Parses the text of /proc/PID/status. Returns nil only when no line
    /// at all has the `Key:` form.
    public static func parse(_ bytes: Bytes) -> PidStatus? {
        var s = PidStatus()
        var scanner = ByteScanner(bytes)
        var sawKey = false
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            guard let colon = line.firstIndex(of: ASCII.colon) else { continue }
            sawKey = true
            let key = Bytes(rebasing: line[..<colon])
            var v = ByteScanner(Bytes(rebasing: line[(colon + 1)...]))
            switch key.count {
            case 3 where key.equals("Uid"): s.uids = ids(&v)
            case 3 where key.equals("Gid"): s.gids = ids(&v)
            case 4 where key.equals("Name"):
                // The name follows one tab; it may contain spaces (escaped \n).
                var rest = Bytes(rebasing: line[(colon + 1)...])
                if rest.first == ASCII.tab { rest = Bytes(rebasing: rest[1...]) }
                s.name = rest.string
            case 3 where key.equals("Pid"): s.pid = v.int().flatMap { Int32(exactly: $0) }
            case 4 where key.equals("Tgid"): s.tgid = v.int().flatMap { Int32(exactly: $0) }
            case 4 where key.equals("PPid"): s.ppid = v.int().flatMap { Int32(exactly: $0) }
            case 5 where key.equals("State"): v.skipSpaces(); s.state = v.atEnd ? nil : v.bytes[v.position]
            case 6 where key.equals("Groups"): s.groups = ids(&v)
            case 7 where key.equals("Threads"): s.threads = v.int().map { Int($0) }
            case 6 where key.equals("CapInh"): s.capInheritable = v.hex()
            case 6 where key.equals("CapPrm"): s.capPermitted = v.hex()
            case 6 where key.equals("CapEff"): s.capEffective = v.hex()
            case 6 where key.equals("CapBnd"): s.capBounding = v.hex()
            case 6 where key.equals("CapAmb"): s.capAmbient = v.hex()
            case 10 where key.equals("NoNewPrivs"): s.noNewPrivs = v.int().map { $0 != 0 }
            case 7 where key.equals("Seccomp"): s.seccomp = v.int().map { Int($0) }
            default: break
            }
        }
        return sawKey ? s : nil
    }

    private static func ids(_ v: inout ByteScanner) -> [UInt32] {
        var out: [UInt32] = []
        while let n = v.uint() {
            guard let id = UInt32(exactly: n) else { break }
            out.append(id)
        }
        return out
    }
}
