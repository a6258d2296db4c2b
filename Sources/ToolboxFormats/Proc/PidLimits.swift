/// /proc/PID/limits (proc(5)): the resource limits of a process, one line
/// per rlimit after a header, in fixed-width columns:
///   `Max open files            1024                 524288               files     `
/// The name is the text before the column at offset 26 (names contain
/// spaces); soft and hard are a number or `unlimited`; the unit is optional
/// (`Max nice priority` has none). Lines that do not parse are skipped.
public struct PidLimits: Equatable, Sendable {
    public struct Limit: Equatable, Sendable {
        /// As the kernel prints it: `Max open files`.
        public var name: String
        /// nil means unlimited.
        public var soft: UInt64?
        public var hard: UInt64?
        public var unit: String
        public init(name: String, soft: UInt64?, hard: UInt64?, unit: String) {
            self.name = name; self.soft = soft; self.hard = hard; self.unit = unit
        }
    }
    public var limits: [Limit] = []
    public init() {}

    /// The limit named `name` (`Max open files`).
    public func limit(_ name: String) -> Limit? { limits.first { $0.name == name } }

    /// The rlimit names in the kernel's order (RLIMIT_CPU = 0 ... RLIMIT_RTTIME = 15),
    /// with prlimit(1)'s short names.
    public static let kernelNames: [(proc: String, resource: Int32, short: String)] = [
        ("Max cpu time", 0, "CPU"), ("Max file size", 1, "FSIZE"), ("Max data size", 2, "DATA"),
        ("Max stack size", 3, "STACK"), ("Max core file size", 4, "CORE"), ("Max resident set", 5, "RSS"),
        ("Max processes", 6, "NPROC"), ("Max open files", 7, "NOFILE"), ("Max locked memory", 8, "MEMLOCK"),
        ("Max address space", 9, "AS"), ("Max file locks", 10, "LOCKS"), ("Max pending signals", 11, "SIGPENDING"),
        ("Max msgqueue size", 12, "MSGQUEUE"), ("Max nice priority", 13, "NICE"),
        ("Max realtime priority", 14, "RTPRIO"), ("Max realtime timeout", 15, "RTTIME"),
    ]

    public static func parse(_ bytes: Bytes) -> PidLimits {
        var out = PidLimits()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            // The name column is 25 wide plus a space; a name never has two
            // spaces in a row, so it ends at the first double space.
            var end = 0
            while end + 1 < line.count, !(line[end] == ASCII.space && line[end + 1] == ASCII.space) { end += 1 }
            guard end > 0, end + 1 < line.count else { continue }
            let name = Bytes(rebasing: line[..<end])
            if name.equals("Limit") { continue }
            var f = ByteScanner(line, position: end)
            guard let softText = f.field(), let hardText = f.field() else { continue }
            guard let soft = value(softText), let hard = value(hardText) else { continue }
            let unit = f.field().map { $0.string } ?? ""
            out.limits.append(Limit(name: name.string, soft: soft.0, hard: hard.0, unit: unit))
        }
        return out
    }

    /// (value, ok): `unlimited` is (nil, true).
    private static func value(_ b: Bytes) -> (UInt64?, Bool)? {
        if b.equals("unlimited") { return (nil, true) }
        guard let v = b.decimalValue else { return nil }
        return (v, true)
    }
}
