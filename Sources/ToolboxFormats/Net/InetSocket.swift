/// An IPv4 or IPv6 address as its 16 bytes in network order (IPv4 in the
/// first four), packed big-endian into two words so it is cheap to copy,
/// compare and hash.
public struct InetAddress: Equatable, Hashable, Sendable {
    public var hi: UInt64
    public var lo: UInt64
    public var isV6: Bool

    public init(hi: UInt64, lo: UInt64, isV6: Bool) { self.hi = hi; self.lo = lo; self.isV6 = isV6 }

    /// An IPv4 address from its value in network order as a number (127.0.0.1 = 0x7f000001).
    public init(ipv4 value: UInt32) { hi = UInt64(value) << 32; lo = 0; isV6 = false }

    /// From 16 bytes in network order (the first 4 for IPv4).
    public init(bytes p: UnsafeRawPointer, isV6: Bool) {
        var h: UInt64 = 0, l: UInt64 = 0
        let b = p.assumingMemoryBound(to: UInt8.self)
        if isV6 {
            for i in 0..<8 { h = h << 8 | UInt64(b[i]) }
            for i in 8..<16 { l = l << 8 | UInt64(b[i]) }
        } else {
            for i in 0..<4 { h = h << 8 | UInt64(b[i]) }
            h <<= 32
        }
        self.hi = h; self.lo = l; self.isV6 = isV6
    }

    /// The address as its value, for IPv4 (127.0.0.1 = 0x7f000001).
    public var ipv4: UInt32 { UInt32(truncatingIfNeeded: hi >> 32) }
    /// The 16-bit group `i` (0...7) of an IPv6 address.
    @inline(__always) public func group(_ i: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: (i < 4 ? hi : lo) >> UInt64(48 - 16 * (i & 3)))
    }
    public var isUnspecified: Bool { hi == 0 && lo == 0 }
    /// ::ffff:0:0/96 (RFC 4291 2.5.5.2).
    public var isV4Mapped: Bool { isV6 && hi == 0 && lo >> 32 == 0xffff }
    /// 127.0.0.1, ::1 or ::ffff:127.0.0.1: the addresses printed `localhost`.
    public var isLoopbackHost: Bool {
        isV6 ? (hi == 0 && (lo == 1 || lo == 0xffff_7f00_0001)) : ipv4 == 0x7f00_0001
    }

    /// Text as `inet_ntop` would print it for IPv4, and in the RFC 5952
    /// canonical form for IPv6 (lowercase, longest run of two or more zero
    /// groups compressed, leftmost on a tie), with ::ffff:0:0/96 in mixed
    /// notation `::ffff:a.b.c.d`.
    public var text: String {
        var s = AddressText()
        s.append(self)
        return s.string
    }
}

/// A fixed 64-byte scratch buffer for one `address:port` field, so rows
/// are formatted without allocating.
public struct AddressText {
    public var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    public var count = 0
    public static let capacity = 64

    public init() {}

    @inline(__always) public mutating func append(byte b: UInt8) {
        guard count < Self.capacity else { return }
        withUnsafeMutableBytes(of: &bytes) { $0[count] = b }
        count += 1
    }
    public mutating func append(_ s: StaticString) {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { append(byte: p[i]) }
    }
    public mutating func append(_ s: String) {
        for b in s.utf8 { append(byte: b) }
    }
    public mutating func append(decimal v: UInt32) {
        if v >= 10 { append(decimal: v / 10) }
        append(byte: UInt8(v % 10) + ASCII.zero)
    }
    mutating func appendHex(_ v: UInt16) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let n = UInt8((v >> UInt16(shift)) & 0xf)
            if n != 0 || started || shift == 0 {
                started = true
                append(byte: n < 10 ? n + ASCII.zero : n - 10 + 0x61)
            }
        }
    }
    mutating func appendDotted(_ v: UInt32) {
        append(decimal: v >> 24); append(byte: 0x2e)
        append(decimal: (v >> 16) & 0xff); append(byte: 0x2e)
        append(decimal: (v >> 8) & 0xff); append(byte: 0x2e)
        append(decimal: v & 0xff)
    }

    /// Appends the numeric text of `a` (see `InetAddress.text`).
    public mutating func append(_ a: InetAddress) {
        guard a.isV6 else { appendDotted(a.ipv4); return }
        if a.isV4Mapped {
            append("::ffff:")
            appendDotted(UInt32(truncatingIfNeeded: a.lo))
            return
        }
        // Longest run of zero groups (length >= 2), leftmost on a tie.
        var bestStart = -1, bestLen = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && a.group(i) == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLen { bestLen = i - runStart; bestStart = runStart }
                runStart = -1
            }
        }
        if bestLen < 2 { bestStart = -1 }
        var i = 0
        while i < 8 {
            if i == bestStart {
                append(byte: ASCII.colon); append(byte: ASCII.colon)
                i += bestLen
                continue
            }
            if i > 0 && i != bestStart + bestLen { append(byte: ASCII.colon) }
            appendHex(a.group(i))
            i += 1
        }
    }

    public mutating func withBytes<R>(_ body: (Bytes) -> R) -> R {
        let n = count
        return withUnsafeBytes(of: &bytes) { body(Bytes(start: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)) }
    }
    public mutating func truncate(to n: Int) { if n < count { count = max(n, 0) } }
    public var string: String { var c = self; return c.withBytes { $0.string } }
}

/// One socket line of /proc/net/tcp, tcp6, udp, udp6, udplite, udplite6,
/// raw or raw6 (the format of tcp4_seq_show / udp4_format_sock in the
/// kernel), or the same socket from an inet_diag reply.
public struct InetSocket: Equatable, Sendable {
    public var local: InetAddress
    public var localPort: UInt16
    public var remote: InetAddress
    public var remotePort: UInt16
    /// The kernel's TCP state number (1 ESTABLISHED ... 10 LISTEN, 12 NEW_SYN_RECV);
    /// for UDP 1 (connected) or 7 (CLOSE); for raw sockets likewise.
    public var state: UInt8
    public var txQueue: UInt32
    public var rxQueue: UInt32
    public var uid: UInt32
    public var inode: UInt64
    /// netstat -o: the kernel's timer (0 off, 1 on/retransmit, 2 keepalive,
    /// 3 timewait, 4 zero-window probe), its expiry in centiseconds, the
    /// retransmissions and the probes sent (`timeout` in /proc/net/tcp).
    public var timer: UInt8 = 0
    public var timerExpires: UInt64 = 0
    public var retransmits: UInt32 = 0
    public var probes: UInt32 = 0

    public init(local: InetAddress, localPort: UInt16, remote: InetAddress, remotePort: UInt16,
                state: UInt8, txQueue: UInt32, rxQueue: UInt32, uid: UInt32, inode: UInt64) {
        self.local = local; self.localPort = localPort; self.remote = remote; self.remotePort = remotePort
        self.state = state; self.txQueue = txQueue; self.rxQueue = rxQueue; self.uid = uid; self.inode = inode
    }

    /// TCP state names indexed by the kernel's number (include/net/tcp_states.h),
    /// as net-tools prints them.
    public static let tcpStateNames: [StaticString] = [
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "SYN_RECV",
    ]
    public static let listen: UInt8 = 10

    /// Parses one line (not the header). IPv4 addresses are 8 hex digits,
    /// IPv6 addresses 32: four 32-bit words each printed in host byte order
    /// (`%08X` of the `__be32` words); ports are 4 hex digits of the port
    /// number. Nil for a malformed or truncated line.
    public static func parse(_ line: Bytes) -> InetSocket? {
        var s = ByteScanner(line)
        guard let slot = s.field(), slot.last == ASCII.colon else { return nil }
        guard let (la, lp) = parseEndpoint(&s), let (ra, rp) = parseEndpoint(&s) else { return nil }
        guard la.isV6 == ra.isV6 else { return nil }
        guard let st = s.hex(), st <= 0xff else { return nil }
        s.skipSpaces()
        guard let tx = s.hex(), tx <= UInt32.max, s.position < line.count, line[s.position] == ASCII.colon else { return nil }
        s.position += 1
        guard let rx = s.hex(), rx <= UInt32.max else { return nil }
        s.skipSpaces()
        // tr:tm->when retrnsmt
        guard let tr = s.hex(), tr <= 0xff, s.position < line.count, line[s.position] == ASCII.colon else { return nil }
        s.position += 1
        guard let when = s.hex(), let retr = s.hex() else { return nil }
        guard let uid = s.uint(), uid <= UInt32.max else { return nil }
        guard let probes = s.uint() else { return nil }                  // timeout
        guard let inode = s.uint() else { return nil }
        var r = InetSocket(local: la, localPort: lp, remote: ra, remotePort: rp, state: UInt8(st),
                           txQueue: UInt32(tx), rxQueue: UInt32(rx), uid: UInt32(uid), inode: inode)
        r.timer = UInt8(tr); r.timerExpires = when
        r.retransmits = UInt32(truncatingIfNeeded: retr); r.probes = UInt32(truncatingIfNeeded: probes)
        return r
    }

    /// `0100007F:1F90` or 32 hex digits `:PORT`.
    static func parseEndpoint(_ s: inout ByteScanner) -> (InetAddress, UInt16)? {
        guard let f = s.field() else { return nil }
        var words: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        var i = 0, w: UInt32 = 0, digits = 0
        while i < f.count, f[i] != ASCII.colon {
            guard let d = ASCII.hexValue(f[i]) else { return nil }
            w = w << 4 | UInt32(d); digits += 1
            if digits % 8 == 0 {
                switch digits / 8 {
                case 1: words.0 = w
                case 2: words.1 = w
                case 3: words.2 = w
                case 4: words.3 = w
                default: return nil
                }
                w = 0
            }
            i += 1
        }
        guard digits == 8 || digits == 32, i < f.count else { return nil }
        i += 1
        var port: UInt32 = 0, pd = 0
        while i < f.count {
            guard let d = ASCII.hexValue(f[i]) else { return nil }
            port = port << 4 | UInt32(d); pd += 1; i += 1
        }
        guard pd >= 1, pd <= 4 else { return nil }
        // Each word is the native-endian value of 4 network-order bytes.
        if digits == 8 { return (InetAddress(ipv4: words.0.bigEndian), UInt16(port)) }
        let hi = UInt64(words.0.bigEndian) << 32 | UInt64(words.1.bigEndian)
        let lo = UInt64(words.2.bigEndian) << 32 | UInt64(words.3.bigEndian)
        return (InetAddress(hi: hi, lo: lo, isV6: true), UInt16(port))
    }

    /// Calls `body` for every socket line of a /proc/net/{tcp,udp,raw}[6]
    /// file (the header line is skipped) and returns how many lines were
    /// malformed and skipped.
    @discardableResult
    public static func forEach(in file: Bytes, _ body: (InetSocket) -> Void) -> Int {
        forEachTableRow(in: file, parse, body)
    }
}

/// The rows of a /proc/net table: every non-empty line after the header,
/// parsed with `parse`; returns how many lines did not parse (skipped).
func forEachTableRow<Row>(in file: Bytes, _ parse: (Bytes) -> Row?, _ body: (Row) -> Void) -> Int {
    var s = ByteScanner(file)
    var malformed = 0
    var first = true
    while !s.atEnd {
        let line = s.upTo(ASCII.newline)
        if first { first = false; continue }
        if line.isEmpty { continue }
        if let row = parse(line) { body(row) } else { malformed += 1 }
    }
    return malformed
}

/// Names for well-known ports, printed without -n. A built-in table
/// (names as in Debian's /etc/services) rather than /etc/services, which a
/// distroless image does not have: output does not depend on the image.
public enum PortNames {
    static let table: [(UInt16, String)] = [
        (20, "ftp-data"), (21, "ftp"), (22, "ssh"), (23, "telnet"), (25, "smtp"), (53, "domain"),
        (67, "bootps"), (68, "bootpc"), (69, "tftp"), (80, "http"), (88, "kerberos"), (110, "pop3"),
        (111, "sunrpc"), (123, "ntp"), (143, "imap2"), (161, "snmp"), (179, "bgp"), (389, "ldap"),
        (443, "https"), (587, "submission"), (636, "ldaps"), (993, "imaps"), (995, "pop3s"),
        (1433, "ms-sql-s"), (2049, "nfs"), (3306, "mysql"),
        (5432, "postgresql"), (6379, "redis"), (8080, "http-alt"),
    ]

    /// Raw sockets' "port" is the IP protocol: names as in /etc/protocols.
    static let protocols: [(UInt16, String)] = [
        (1, "icmp"), (2, "igmp"), (6, "tcp"), (17, "udp"), (41, "ipv6"), (47, "gre"), (50, "esp"),
        (58, "ipv6-icmp"), (132, "sctp"),
    ]

    /// The name for `port` (for a raw socket: for the protocol number), or nil.
    public static func name(_ port: UInt16, raw: Bool = false) -> String? {
        let table = raw ? protocols : Self.table
        var lo = 0, hi = table.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if table[mid].0 == port { return table[mid].1 }
            if table[mid].0 < port { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
