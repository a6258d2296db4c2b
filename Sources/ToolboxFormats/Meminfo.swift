/// /proc/meminfo (proc(5)): `Key:   value kB` lines. Values are kept in
/// kB as the kernel prints them (HugePages_* counts have no unit and are
/// kept as numbers). Unknown keys are kept too; fields that older kernels
/// lack are simply absent (MemAvailable: 3.14, SReclaimable: 2.6.19).
public struct Meminfo: Equatable, Sendable {
    public private(set) var values: [String: UInt64] = [:]

    public init() {}

    public subscript(_ key: String) -> UInt64? { values[key] }

    /// Parses the text of /proc/meminfo; lines without a number are skipped.
    public static func parse(_ bytes: Bytes) -> Meminfo {
        var m = Meminfo()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            guard let colon = line.firstIndex(of: ASCII.colon), colon > 0 else { continue }
            var v = ByteScanner(Bytes(rebasing: line[(colon + 1)...]))
            guard let n = v.uint() else { continue }
            m.values[Bytes(rebasing: line[..<colon]).string] = n
        }
        return m
    }
}
