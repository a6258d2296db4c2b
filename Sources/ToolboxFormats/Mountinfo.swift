/// One line of /proc/PID/mountinfo (proc(5)):
/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
/// Fields 7.. up to the `-` separator are optional tags (shared:N, master:N,
/// propagate_from:N, unbindable; zero or more). Paths and the source are
/// escaped by the kernel (space as \040, tab \011, newline \012, backslash
/// \134) and are unescaped here.
public struct MountEntry: Equatable, Sendable {
    public var mountID: Int = 0
    public var parentID: Int = 0
    public var major: UInt32 = 0
    public var minor: UInt32 = 0
    /// The path inside the mounted file system that is mounted here (not `/` for bind mounts).
    public var root: String = ""
    public var mountPoint: String = ""
    public var mountOptions: String = ""
    public var fsType: String = ""
    public var source: String = ""
    public var superOptions: String = ""

    public init() {}
}

public enum Mountinfo {
    /// Parses the whole text; malformed lines are skipped.
    public static func parse(_ bytes: Bytes) -> [MountEntry] {
        var out: [MountEntry] = []
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            if let e = parseLine(line) { out.append(e) }
        }
        return out
    }

    static func parseLine(_ line: Bytes) -> MountEntry? {
        var fields: [Bytes] = []
        var start = 0
        for i in 0...line.count where i == line.count || line[i] == ASCII.space {
            if i > start { fields.append(Bytes(rebasing: line[start..<i])) }
            start = i + 1
        }
        guard fields.count >= 10, let dash = fields[6...].firstIndex(where: { $0.count == 1 && $0[0] == 0x2D }),
              dash + 2 < fields.count else { return nil }
        var e = MountEntry()
        guard let id = fields[0].decimalValue, let parent = fields[1].decimalValue else { return nil }
        e.mountID = Int(id); e.parentID = Int(parent)
        var dev = ByteScanner(fields[2])
        guard let major = dev.uint(), dev.skip(past: ASCII.colon), let minor = dev.uint() else { return nil }
        e.major = UInt32(truncatingIfNeeded: major); e.minor = UInt32(truncatingIfNeeded: minor)
        e.root = unescape(fields[3])
        e.mountPoint = unescape(fields[4])
        e.mountOptions = fields[5].string
        e.fsType = unescape(fields[dash + 1])
        e.source = unescape(fields[dash + 2])
        e.superOptions = dash + 3 < fields.count ? fields[dash + 3].string : ""
        return e
    }

    /// `\NNN` octal escapes back to bytes.
    static func unescape(_ b: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x5C, i + 3 < b.count, (0x30...0x33).contains(b[i + 1]),
               (0x30...0x37).contains(b[i + 2]), (0x30...0x37).contains(b[i + 3]) {
                out.append((b[i + 1] - 0x30) << 6 | (b[i + 2] - 0x30) << 3 | (b[i + 3] - 0x30))
                i += 4
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
