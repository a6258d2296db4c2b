/// Multicast group memberships (proc(5)): /proc/net/igmp (a header, then per
/// device `Idx\tDevice    : Count Querier` and per group
/// `\t\t\t\tGROUP Users Timer Reporter`, GROUP the hex of the 32-bit word in
/// host order) and /proc/net/igmp6 (`idx device group(32 hex) users flags
/// timer`).
public struct MulticastGroup: Equatable, Sendable {
    public var device: String
    public var group: InetAddress
    public var users: Int32

    public init(device: String, group: InetAddress, users: Int32) { self.device = device; self.group = group; self.users = users }

    /// net-tools igmp_do_one: a device line sets the device for the group
    /// lines below it (its name up to 15 bytes and before the last `:`).
    public static func parseIGMP(_ bytes: Bytes, malformed: inout Int) -> [MulticastGroup] {
        var out: [MulticastGroup] = []
        var sc = ByteScanner(bytes)
        _ = sc.upTo(ASCII.newline)
        var device = ""
        while !sc.atEnd {
            let line = sc.upTo(ASCII.newline)
            if line.isEmpty { continue }
            if line[0] != ASCII.tab {
                var l = ByteScanner(line)
                guard l.int() != nil, l.position < line.count, line[l.position] == ASCII.tab else { malformed += 1; continue }
                let start = l.position + 1
                var name = Array(line[start..<min(start + 15, line.count)])
                if let c = name.lastIndex(of: ASCII.colon) { name.removeSubrange(c...) }
                device = String(decoding: name, as: UTF8.self)
                continue
            }
            var l = ByteScanner(line)
            while l.position < line.count, line[l.position] == ASCII.tab { l.position += 1 }
            guard let g = l.field(), g.count <= 8, g.allSatisfy({ ASCII.hexValue($0) != nil }) else { malformed += 1; continue }
            var v: UInt32 = 0
            for c in g { v = v << 4 | UInt32(ASCII.hexValue(c)!) }
            guard let users = l.int() else { malformed += 1; continue }
            out.append(MulticastGroup(device: device, group: InetAddress(ipv4: v.byteSwapped), users: Int32(truncatingIfNeeded: users)))
        }
        return out
    }

    public static func parseIGMP6(_ bytes: Bytes, malformed: inout Int) -> [MulticastGroup] {
        var out: [MulticastGroup] = []
        var sc = ByteScanner(bytes)
        while !sc.atEnd {
            var l = ByteScanner(sc.upTo(ASCII.newline))
            if l.bytes.isEmpty { continue }
            guard l.int() != nil, let dev = l.field(), let g = l.field(), let a = Route.ipv6(g), let users = l.int() else {
                malformed += 1; continue
            }
            out.append(MulticastGroup(device: String(decoding: dev.prefix(15), as: UTF8.self), group: a, users: Int32(truncatingIfNeeded: users)))
        }
        return out
    }
}
