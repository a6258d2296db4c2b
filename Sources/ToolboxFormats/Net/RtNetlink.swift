/// rtnetlink(7) messages as `ip` reads them: the replies of RTM_GETLINK,
/// RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH and RTM_GETRULE dumps (and the
/// single reply of `ip route get`). Pure: bytes in, values out. Every length
/// is checked against the bytes received; attributes are flat lists, and a
/// nested attribute is opened only on request, at most `maxNesting` deep
/// (no recursion the input controls). Host byte order (the kernel's).

/// One rtattr (`struct rtattr`): its type (NLA_F_NESTED and
/// NLA_F_NET_BYTEORDER masked off) and the bytes of its value.
public struct RtAttribute: Sendable {
    public let type: UInt16
    public let value: ArraySlice<UInt8>
}

/// A list of attributes, read from a region of a message.
public struct RtAttributes: Sendable {
    public private(set) var list: [RtAttribute] = []
    /// How deep this list is nested (0: the message's own attributes).
    public let depth: Int
    public static let maxNesting = 4

    /// Parses the attributes in `bytes`; stops at the first malformed one
    /// (as the kernel's and iproute2's RTA_OK loops do).
    public init(_ bytes: ArraySlice<UInt8>, depth: Int = 0) {
        self.depth = depth
        var off = bytes.startIndex
        while bytes.endIndex - off >= 4 {
            let len = Int(rtU16(bytes, off)), type = rtU16(bytes, off + 2) & 0x3FFF
            guard len >= 4, len <= bytes.endIndex - off else { break }
            list.append(RtAttribute(type: type, value: bytes[(off + 4)..<(off + len)]))
            off += (len + 3) & ~3
        }
    }

    /// The first attribute of `type` (iproute2 keeps the last; the kernel
    /// never repeats one).
    public subscript(_ type: UInt16) -> ArraySlice<UInt8>? {
        for a in list where a.type == type { return a.value }
        return nil
    }
    public func u8(_ type: UInt16) -> UInt8? { self[type].flatMap { $0.isEmpty ? nil : $0[$0.startIndex] } }
    public func u16(_ type: UInt16) -> UInt16? { self[type].flatMap { $0.count >= 2 ? rtU16($0, $0.startIndex) : nil } }
    public func u32(_ type: UInt16) -> UInt32? { self[type].flatMap { $0.count >= 4 ? rtU32($0, $0.startIndex) : nil } }
    /// A NUL-terminated string attribute (the bytes before the first NUL).
    public func string(_ type: UInt16) -> String? {
        guard let v = self[type] else { return nil }
        return String(decoding: v.prefix { $0 != 0 }, as: UTF8.self)
    }
    /// The attributes nested in `type`; nil when absent or too deep.
    public func nested(_ type: UInt16) -> RtAttributes? {
        guard depth < Self.maxNesting, let v = self[type] else { return nil }
        return RtAttributes(v, depth: depth + 1)
    }
}

/// Host-order integers at an index of a byte slice (bounds checked by the caller).
@inline(__always) func rtU16(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
@inline(__always) func rtU32(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt32 { UInt32(rtU16(b, i)) | UInt32(rtU16(b, i + 2)) << 16 }
@inline(__always) func rtU64(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt64 { UInt64(rtU32(b, i)) | UInt64(rtU32(b, i + 4)) << 32 }

/// One netlink message: its type, flags and payload (the fixed header of
/// its family, then attributes).
public struct RtMessage: Sendable {
    public let type: UInt16
    public let flags: UInt16
    public let payload: ArraySlice<UInt8>

    public func u8(_ off: Int) -> UInt8 { off < payload.count ? payload[payload.startIndex + off] : 0 }
    public func u16(_ off: Int) -> UInt16 { UInt16(u8(off)) | UInt16(u8(off + 1)) << 8 }
    public func u32(_ off: Int) -> UInt32 { UInt32(u16(off)) | UInt32(u16(off + 2)) << 16 }
    /// The attributes after a fixed header of `headerSize` bytes.
    public func attributes(after headerSize: Int) -> RtAttributes {
        let start = payload.startIndex + min(payload.count, (headerSize + 3) & ~3)
        return RtAttributes(payload[start...])
    }
}

/// Message types and the netlink framing.
public enum RtNetlink {
    public static let done: UInt16 = 3, error: UInt16 = 2
    public static let newLink: UInt16 = 16, getLink: UInt16 = 18, newAddr: UInt16 = 20, getAddr: UInt16 = 22
    public static let newRoute: UInt16 = 24, getRoute: UInt16 = 26, newNeigh: UInt16 = 28, getNeigh: UInt16 = 30
    public static let newRule: UInt16 = 32, getRule: UInt16 = 34
    public static let request: UInt16 = 1, dump: UInt16 = 0x300

    /// What one received datagram held.
    public enum Status: Equatable, Sendable { case more, done, failed(Int32) }

    /// Walks the messages of one datagram, appending those of type
    /// `accept` (nil: any except NLMSG_NOOP/ERROR/DONE/OVERRUN) to `into`.
    /// `.done` at NLMSG_DONE or an NLMSG_ERROR with error 0 (an ACK);
    /// `.failed(errno)` for an error reply or a malformed message (EIO).
    public static func walk(_ bytes: ArraySlice<UInt8>, accept: UInt16?, into: inout [RtMessage]) -> Status {
        var off = bytes.startIndex
        while bytes.endIndex - off >= 16 {
            let len = Int(rtU32(bytes, off)), type = rtU16(bytes, off + 4), flags = rtU16(bytes, off + 6)
            guard len >= 16, len <= bytes.endIndex - off else { return .failed(5) }
            let payload = bytes[(off + 16)..<(off + len)]
            switch type {
            case done: return .done
            case error:
                guard payload.count >= 4 else { return .failed(5) }
                let e = Int32(bitPattern: rtU32(payload, payload.startIndex))
                if e == 0 { return .done }
                return .failed(e < 0 ? (e == Int32.min ? 5 : -e) : e)
            case 1, 4: break // NLMSG_NOOP, NLMSG_OVERRUN
            default:
                if accept == nil || accept == type { into.append(RtMessage(type: type, flags: flags, payload: payload)) }
            }
            off += (len + 3) & ~3
        }
        return off < bytes.endIndex ? .failed(5) : .more
    }

    /// A request: nlmsghdr (type, flags, seq), the fixed header bytes
    /// (padded to 4), then attributes (type, value).
    public static func message(type: UInt16, flags: UInt16, seq: UInt32, header: [UInt8], attributes: [(UInt16, [UInt8])] = []) -> [UInt8] {
        var b: [UInt8] = []
        func put32(_ v: UInt32) { for i in 0..<4 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
        put32(0); b += [UInt8(type & 0xFF), UInt8(type >> 8), UInt8(flags & 0xFF), UInt8(flags >> 8)]
        put32(seq); put32(0)
        b += header
        while b.count % 4 != 0 { b.append(0) }
        for (t, v) in attributes {
            let len = 4 + v.count
            b += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(t & 0xFF), UInt8(t >> 8)] + v
            while b.count % 4 != 0 { b.append(0) }
        }
        let n = UInt32(b.count)
        for i in 0..<4 { b[i] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(i))) }
        return b
    }
}

// MARK: - Typed views of the messages `ip` prints

/// RTM_NEWLINK: `struct ifinfomsg` and IFLA_* attributes.
public struct RtLink: Sendable {
    public let index: Int32
    public let type: UInt16       // ARPHRD_*
    public let flags: UInt32      // IFF_*
    public let attrs: RtAttributes
    public init(_ m: RtMessage) {
        type = m.u16(2); index = Int32(bitPattern: m.u32(4)); flags = m.u32(8)
        attrs = m.attributes(after: 16)
    }
    public var name: String? { attrs.string(3) }
    /// IFLA_STATS64 (or the 32-bit IFLA_STATS) as 64-bit counters in
    /// `struct rtnl_link_stats64` order, and whether they were 64-bit.
    public var stats: (values: [UInt64], is64: Bool)? {
        if let s = attrs[23], s.count >= 8 * 23 {
            return ((0..<min(25, s.count / 8)).map { rtU64(s, s.startIndex + 8 * $0) } + [UInt64](repeating: 0, count: max(0, 25 - s.count / 8)), true)
        }
        if let s = attrs[7], s.count >= 4 * 23 {
            return ((0..<min(25, s.count / 4)).map { UInt64(rtU32(s, s.startIndex + 4 * $0)) } + [UInt64](repeating: 0, count: max(0, 25 - s.count / 4)), false)
        }
        return nil
    }
}

/// RTM_NEWADDR: `struct ifaddrmsg` and IFA_* attributes.
public struct RtAddress: Sendable {
    public let family: UInt8, prefixLength: UInt8, scope: UInt8
    public let index: UInt32
    public let flags: UInt32     // IFA_FLAGS when present, else ifa_flags
    public let attrs: RtAttributes
    public init(_ m: RtMessage) {
        family = m.u8(0); prefixLength = m.u8(1); scope = m.u8(3); index = m.u32(4)
        attrs = m.attributes(after: 8)
        flags = attrs.u32(8) ?? UInt32(m.u8(2))
    }
    /// IFA_LOCAL, else IFA_ADDRESS (iproute2's rule).
    public var local: ArraySlice<UInt8>? { attrs[2] ?? attrs[1] }
    public var address: ArraySlice<UInt8>? { attrs[1] ?? attrs[2] }
}

/// RTM_NEWROUTE: `struct rtmsg` and RTA_* attributes.
public struct RtRoute: Sendable {
    public let family, dstLength, srcLength, tos, protocolID, scope, type: UInt8
    public let table: UInt32     // RTA_TABLE when present, else rtm_table
    public let flags: UInt32
    public let attrs: RtAttributes
    public init(_ m: RtMessage) {
        family = m.u8(0); dstLength = m.u8(1); srcLength = m.u8(2); tos = m.u8(3)
        protocolID = m.u8(5); scope = m.u8(6); type = m.u8(7); flags = m.u32(8)
        attrs = m.attributes(after: 12)
        table = attrs.u32(15) ?? UInt32(m.u8(4))
    }
}

/// RTM_NEWNEIGH: `struct ndmsg` and NDA_* attributes.
public struct RtNeighbour: Sendable {
    public let family: UInt8
    public let index: Int32
    public let state: UInt16, flags: UInt8
    public let attrs: RtAttributes
    public init(_ m: RtMessage) {
        family = m.u8(0); index = Int32(bitPattern: m.u32(4)); state = m.u16(8); flags = m.u8(10)
        attrs = m.attributes(after: 12)
    }
}

/// RTM_NEWRULE: `struct fib_rule_hdr` and FRA_* attributes.
public struct RtRule: Sendable {
    public let family, dstLength, srcLength, tos, action: UInt8
    public let table: UInt32     // FRA_TABLE when present, else the header's
    public let flags: UInt32
    public let attrs: RtAttributes
    public init(_ m: RtMessage) {
        family = m.u8(0); dstLength = m.u8(1); srcLength = m.u8(2); tos = m.u8(3); action = m.u8(7)
        flags = m.u32(8)
        attrs = m.attributes(after: 12)
        table = attrs.u32(15) ?? UInt32(m.u8(4))
    }
}
