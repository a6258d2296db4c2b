/// Protocol counters (proc(5)): /proc/net/snmp and /proc/net/netstat hold
/// pairs of lines, `Title: Name1 Name2 ...` then `Title: v1 v2 ...`;
/// /proc/net/snmp6 holds `Name value` lines. Values are read as strtoull
/// does (a negative value, Tcp MaxConn's -1, wraps).
public struct SNMPTable: Equatable, Sendable {
    public var title: String
    public var counters: [(name: String, value: UInt64)]

    public init(title: String, counters: [(name: String, value: UInt64)]) { self.title = title; self.counters = counters }

    public static func == (a: SNMPTable, b: SNMPTable) -> Bool {
        a.title == b.title && a.counters.map(\.name) == b.counters.map(\.name) && a.counters.map(\.value) == b.counters.map(\.value)
    }

    /// The pairs of a /proc/net/snmp-style file. `malformed` is set when a
    /// pair lacks its `:` (net-tools stops there: "Problem while parsing").
    public static func parsePairs(_ bytes: Bytes, malformed: inout Bool) -> [SNMPTable] {
        var out: [SNMPTable] = []
        var sc = ByteScanner(bytes)
        while !sc.atEnd {
            let names = sc.upTo(ASCII.newline)
            if names.isEmpty { continue }
            if sc.atEnd { break }
            let values = sc.upTo(ASCII.newline)
            guard let c1 = names.firstIndex(of: ASCII.colon), values.firstIndex(of: ASCII.colon) != nil else {
                malformed = true; break
            }
            var n = ByteScanner(Bytes(rebasing: names[(c1 + 1)...]))
            var v = ByteScanner(Bytes(rebasing: values[(values.firstIndex(of: ASCII.colon)! + 1)...]))
            var t = SNMPTable(title: Bytes(rebasing: names[..<c1]).string, counters: [])
            while let name = n.field() {
                t.counters.append((name.string, strtoull(&v)))
            }
            out.append(t)
        }
        return out
    }

    /// /proc/net/snmp6: one `Name value` per line, as one table per line
    /// (title "").
    public static func parseLines(_ bytes: Bytes) -> [(name: String, value: UInt64)] {
        var out: [(name: String, value: UInt64)] = []
        var sc = ByteScanner(bytes)
        while !sc.atEnd {
            var l = ByteScanner(sc.upTo(ASCII.newline))
            guard let name = l.field() else { continue }
            out.append((name.string, strtoull(&l)))
        }
        return out
    }

    /// strtoull(3) base 10 from the scanner's position: blanks, an optional
    /// sign, digits (saturating at UInt64.max on overflow); 0 without digits.
    static func strtoull(_ s: inout ByteScanner) -> UInt64 {
        while s.position < s.bytes.count, ASCII.isSpace(s.bytes[s.position]) { s.position += 1 }
        var neg = false
        if s.position < s.bytes.count, s.bytes[s.position] == 0x2D || s.bytes[s.position] == 0x2B {
            neg = s.bytes[s.position] == 0x2D; s.position += 1
        }
        var v: UInt64 = 0, over = false
        while s.position < s.bytes.count, ASCII.isDigit(s.bytes[s.position]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(s.bytes[s.position] - ASCII.zero))
            if o1 || o2 { over = true }
            v = a; s.position += 1
        }
        if over { return UInt64.max }
        return neg ? 0 &- v : v
    }
}
