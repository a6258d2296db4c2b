/// /proc/net/dev (proc(5)): two header lines, then `name: ` and 16
/// counters: receive bytes packets errs drop fifo frame compressed multicast,
/// transmit bytes packets errs drop fifo colls carrier compressed.
public struct NetDevice: Equatable, Sendable {
    public var name: String
    /// The 16 counters in file order.
    public var counters: [UInt64]

    public init(name: String, counters: [UInt64]) { self.name = name; self.counters = counters }

    public var rxPackets: UInt64 { counters[1] }
    public var rxErrors: UInt64 { counters[2] }
    public var rxDropped: UInt64 { counters[3] }
    public var rxFifo: UInt64 { counters[4] }
    public var txPackets: UInt64 { counters[9] }
    public var txErrors: UInt64 { counters[10] }
    public var txDropped: UInt64 { counters[11] }
    public var txFifo: UInt64 { counters[12] }

    /// Lines without a `:` or with fewer than 16 numbers are skipped and counted.
    public static func parse(_ bytes: Bytes, malformed: inout Int) -> [NetDevice] {
        var out: [NetDevice] = []
        var sc = ByteScanner(bytes)
        var n = 0
        while !sc.atEnd {
            let line = sc.upTo(ASCII.newline)
            n += 1
            if n <= 2 || line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ASCII.colon) else { malformed += 1; continue }
            var name = ByteScanner(Bytes(rebasing: line[..<colon]))
            guard let nm = name.field(), nm.count <= 64 else { malformed += 1; continue }
            var v = ByteScanner(Bytes(rebasing: line[(colon + 1)...]))
            var c: [UInt64] = []
            c.reserveCapacity(16)
            while c.count < 16, let x = v.uint() { c.append(x) }
            guard c.count == 16 else { malformed += 1; continue }
            out.append(NetDevice(name: nm.string, counters: c))
        }
        return out
    }
}
