/// ICMP echo (RFC 792) and ICMPv6 echo (RFC 4443) as ping sends and reads
/// them. A reply comes from a datagram ICMP socket (the ICMP message only:
/// the kernel matched the identifier), or from a raw socket (IPv4: the IP
/// header first; IPv6: the ICMPv6 message), where every ICMP message of
/// the host arrives and the identifier must be checked here. An error
/// message (destination unreachable, time exceeded) quotes the IP header
/// and the first 8 bytes of our request, which give its sequence number.
/// Pure: bytes in, value out.
public struct ICMPPacket: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// An echo reply: its sequence number and where its data starts.
        case reply(sequence: UInt16, dataOffset: Int)
        /// An ICMP error quoting one of our requests (type and code of the error).
        case error(type: UInt8, code: UInt8, sequence: UInt16)
    }
    public var kind: Kind
    /// The identifier field (of the reply, or of the quoted request).
    public var identifier: UInt16
    /// The TTL of a raw IPv4 reply's IP header (nil otherwise).
    public var ttl: Int?
    /// The ICMP message's length (ping's "64 bytes").
    public var length: Int

    public static let echoRequest4: UInt8 = 8, echoReply4: UInt8 = 0
    public static let echoRequest6: UInt8 = 128, echoReply6: UInt8 = 129

    /// Decodes one received packet; nil for anything that is neither an
    /// echo reply nor an error quoting an echo request (other ICMP traffic
    /// a raw socket sees, truncated input).
    public static func parse(_ b: [UInt8], v6: Bool, withIPHeader: Bool) -> ICMPPacket? {
        var off = 0
        var ttl: Int? = nil
        if withIPHeader {
            guard b.count >= 20, b[0] >> 4 == 4 else { return nil }
            off = Int(b[0] & 0x0f) * 4
            guard off >= 20 else { return nil }
            ttl = Int(b[8])
        }
        guard b.count >= off + 8 else { return nil }
        let type = b[off], code = b[off + 1]
        let replyType = v6 ? echoReply6 : echoReply4
        if type == replyType {
            return ICMPPacket(kind: .reply(sequence: be16(b, off + 6), dataOffset: off + 8),
                              identifier: be16(b, off + 4), ttl: ttl, length: b.count - off)
        }
        // Errors: v4 unreachable 3, source quench 4, redirect 5, time
        // exceeded 11, parameter problem 12; v6 types 1-4.
        let isError = v6 ? (1...4).contains(type) : [3, 4, 5, 11, 12].contains(type)
        guard isError else { return nil }
        var q = off + 8   // the quoted packet
        if v6 {
            // The quoted IPv6 header is 40 bytes; its next header must be ICMPv6.
            guard b.count >= q + 48, b[q + 6] == 58 else { return nil }
            q += 40
        } else {
            guard b.count >= q + 20 else { return nil }
            let ihl = Int(b[q] & 0x0f) * 4
            guard ihl >= 20, b[q + 9] == 1, b.count >= q + ihl + 8 else { return nil }
            q += ihl
        }
        guard b[q] == (v6 ? echoRequest6 : echoRequest4) else { return nil }
        return ICMPPacket(kind: .error(type: type, code: code, sequence: be16(b, q + 6)),
                          identifier: be16(b, q + 4), ttl: ttl, length: b.count - off)
    }

    static func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }

    /// An echo request: type, code 0, checksum, identifier, sequence, then
    /// `data` (the checksum is computed for IPv4; for ICMPv6 the kernel
    /// fills it in, on raw and datagram sockets alike).
    public static func request(v6: Bool, identifier: UInt16, sequence: UInt16, data: [UInt8]) -> [UInt8] {
        var p: [UInt8] = [v6 ? echoRequest6 : echoRequest4, 0, 0, 0,
                          UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        p += data
        if !v6 {
            let c = checksum(p)
            p[2] = UInt8(c >> 8); p[3] = UInt8(c & 0xff)
        }
        return p
    }

    /// The Internet checksum (RFC 1071).
    public static func checksum(_ b: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < b.count { sum += UInt32(b[i]) << 8 | UInt32(b[i + 1]); i += 2 }
        if i < b.count { sum += UInt32(b[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// iputils' words for an ICMP error (ping4_common.c pr_icmph,
    /// ping6_common.c pr_icmph), the common ones.
    public static func errorText(type: UInt8, code: UInt8, v6: Bool) -> String {
        if v6 {
            switch (type, code) {
            case (1, 0): return "Destination unreachable: No route"
            case (1, 1): return "Destination unreachable: Administratively prohibited"
            case (1, 2): return "Destination unreachable: Beyond scope of source address"
            case (1, 3): return "Destination unreachable: Address unreachable"
            case (1, 4): return "Destination unreachable: Port unreachable"
            case (2, _): return "Packet too big"
            case (3, 0): return "Time exceeded: Hop limit"
            case (3, _): return "Time exceeded: Defragmentation failure"
            case (4, _): return "Parameter problem"
            default: return "Unknown icmp type: \(type)"
            }
        }
        switch (type, code) {
        case (3, 0): return "Destination Net Unreachable"
        case (3, 1): return "Destination Host Unreachable"
        case (3, 2): return "Destination Protocol Unreachable"
        case (3, 3): return "Destination Port Unreachable"
        case (3, 4): return "Frag needed and DF set"
        case (3, 5): return "Source Route Failed"
        case (3, 6): return "Destination Net Unknown"
        case (3, 7): return "Destination Host Unknown"
        case (3, 9): return "Destination Net Prohibited"
        case (3, 10): return "Destination Host Prohibited"
        case (3, 13): return "Packet filtered"
        case (3, _): return "Dest Unreachable, Bad Code: \(code)"
        case (4, _): return "Source Quench"
        case (5, _): return "Redirect"
        case (11, 0): return "Time to live exceeded"
        case (11, _): return "Frag reassembly time exceeded"
        case (12, _): return "Parameter problem"
        default: return "Bad ICMP type: \(type)"
        }
    }
}
