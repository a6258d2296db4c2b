/// The kernel's routing tables as text (proc(5)):
/// /proc/net/route (IPv4 main table: `Iface Destination Gateway Flags RefCnt
/// Use Metric Mask MTU Window IRTT`, addresses as the hex of the 32-bit word
/// in host byte order) and /proc/net/ipv6_route (dest/len, src/len,
/// next hop, metric, refcnt, use, flags, device; all hex).
public struct Route: Equatable, Sendable {
    public var device: String
    public var destination: InetAddress
    public var gateway: InetAddress
    /// IPv4: the netmask; IPv6: unused (the prefix length is `prefixLength`).
    public var mask: InetAddress
    public var prefixLength: Int
    public var flags: UInt32
    public var refCount: Int32
    public var use: Int32
    public var metric: Int32
    public var mtu: Int32
    public var window: Int32
    public var irtt: Int32

    public init(device: String, destination: InetAddress, gateway: InetAddress, mask: InetAddress, prefixLength: Int,
                flags: UInt32, refCount: Int32, use: Int32, metric: Int32, mtu: Int32 = 0, window: Int32 = 0, irtt: Int32 = 0) {
        self.device = device; self.destination = destination; self.gateway = gateway; self.mask = mask
        self.prefixLength = prefixLength; self.flags = flags; self.refCount = refCount; self.use = use
        self.metric = metric; self.mtu = mtu; self.window = window; self.irtt = irtt
    }

    /// RTF_* (linux/route.h, linux/ipv6_route.h).
    public static let up: UInt32 = 0x1, gatewayFlag: UInt32 = 0x2, host: UInt32 = 0x4, reject: UInt32 = 0x200
    public static let cache: UInt32 = 0x0100_0000

    /// /proc/net/route; the header line and malformed lines are skipped
    /// (counted in `malformed`).
    public static func parseIPv4(_ bytes: Bytes, malformed: inout Int) -> [Route] {
        var out: [Route] = []
        var sc = ByteScanner(bytes)
        _ = sc.upTo(ASCII.newline)
        while !sc.atEnd {
            var l = ByteScanner(sc.upTo(ASCII.newline))
            guard let dev = l.field(), dev.count <= 64 else { if !l.bytes.isEmpty { malformed += 1 }; continue }
            guard let dst = l.hex(), let gw = l.hex(), let fl = l.hex(), let ref = l.int(), let use = l.int(),
                  let met = l.int(), let mask = l.hex(), dst <= UInt32.max, gw <= UInt32.max, mask <= UInt32.max,
                  fl <= UInt32.max else { malformed += 1; continue }
            let mtu = l.int() ?? 0, win = l.int() ?? 0, irtt = l.int() ?? 0
            out.append(Route(device: dev.string, destination: ipv4(dst), gateway: ipv4(gw), mask: ipv4(mask),
                             prefixLength: 0, flags: UInt32(fl), refCount: Int32(truncatingIfNeeded: ref),
                             use: Int32(truncatingIfNeeded: use), metric: Int32(truncatingIfNeeded: met),
                             mtu: Int32(truncatingIfNeeded: mtu), window: Int32(truncatingIfNeeded: win),
                             irtt: Int32(truncatingIfNeeded: irtt)))
        }
        return out
    }

    /// A /proc/net/route word: the address's bytes in memory order, printed
    /// as a little-endian number (the kernel's %08X of a __be32).
    static func ipv4(_ v: UInt64) -> InetAddress {
        let w = UInt32(truncatingIfNeeded: v)
        return InetAddress(ipv4: w.byteSwapped)
    }

    /// /proc/net/ipv6_route.
    public static func parseIPv6(_ bytes: Bytes, malformed: inout Int) -> [Route] {
        var out: [Route] = []
        var sc = ByteScanner(bytes)
        while !sc.atEnd {
            var l = ByteScanner(sc.upTo(ASCII.newline))
            if l.bytes.isEmpty { continue }
            guard let dst = l.field(), let d = ipv6(dst), let plen = l.hex(), plen <= 128,
                  let src = l.field(), ipv6(src) != nil, l.hex() != nil,
                  let nh = l.field(), let n = ipv6(nh),
                  let met = l.hex(), let ref = l.hex(), let use = l.hex(), let fl = l.hex(),
                  met <= UInt32.max, ref <= UInt32.max, use <= UInt32.max, fl <= UInt32.max,
                  let dev = l.field(), dev.count <= 64 else { malformed += 1; continue }
            out.append(Route(device: dev.string, destination: d, gateway: n, mask: InetAddress(hi: 0, lo: 0, isV6: true),
                             prefixLength: Int(plen), flags: UInt32(fl),
                             refCount: Int32(bitPattern: UInt32(ref)), use: Int32(bitPattern: UInt32(use)),
                             metric: Int32(bitPattern: UInt32(met))))
        }
        return out
    }

    /// 32 hex digits, network order.
    public static func ipv6(_ b: Bytes) -> InetAddress? {
        guard b.count == 32 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<32 {
            guard let d = ASCII.hexValue(b[i]) else { return nil }
            if i < 16 { hi = hi << 4 | UInt64(d) } else { lo = lo << 4 | UInt64(d) }
        }
        return InetAddress(hi: hi, lo: lo, isV6: true)
    }
}
