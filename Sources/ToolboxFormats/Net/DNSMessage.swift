/// DNS messages (RFC 1035 section 4, EDNS0 RFC 6891): encode with name
/// compression, decode with bounded pointer chasing, and the presentation
/// format bind's dig prints (lib/dns/rdata/generic/*.c totext).
/// Pure: bytes in, value out, no system calls. A reply is chosen by whoever
/// answers on the network, so decoding is total: every length is checked,
/// compression pointers may only point backwards, a name follows at most
/// `maxPointers` of them and is at most 255 bytes; no recursion.

public enum DNSType {
    public static let a: UInt16 = 1, ns: UInt16 = 2, cname: UInt16 = 5, soa: UInt16 = 6, ptr: UInt16 = 12
    public static let hinfo: UInt16 = 13, mx: UInt16 = 15, txt: UInt16 = 16, aaaa: UInt16 = 28, srv: UInt16 = 33
    public static let opt: UInt16 = 41, any: UInt16 = 255, caa: UInt16 = 257
    /// Mnemonics dig accepts and prints, as (value, name). A small list: an
    /// unknown type prints as TYPEnnn (RFC 3597), as bind does.
    public static let names: [(UInt16, String)] = [
        (1, "A"), (2, "NS"), (5, "CNAME"), (6, "SOA"), (12, "PTR"), (13, "HINFO"), (15, "MX"), (16, "TXT"),
        (28, "AAAA"), (33, "SRV"), (35, "NAPTR"), (39, "DNAME"), (41, "OPT"), (43, "DS"), (46, "RRSIG"),
        (47, "NSEC"), (48, "DNSKEY"), (52, "TLSA"), (64, "SVCB"), (65, "HTTPS"), (99, "SPF"), (252, "AXFR"),
        (255, "ANY"), (257, "CAA"),
    ]
    public static func name(_ t: UInt16) -> String {
        for (v, n) in names where v == t { return n }
        return "TYPE\(t)"
    }
    /// A type from its mnemonic (case-insensitive) or TYPEnnn.
    public static func parse(_ s: String) -> UInt16? {
        let u = s.uppercased()
        for (v, n) in names where n == u { return v }
        if u.hasPrefix("TYPE"), let v = UInt16(u.dropFirst(4)) { return v }
        return nil
    }
}

public enum DNSClass {
    public static let inet: UInt16 = 1
    public static func name(_ c: UInt16) -> String {
        switch c { case 1: return "IN"; case 3: return "CH"; case 4: return "HS"; case 254: return "NONE"; case 255: return "ANY"; default: return "CLASS\(c)" }
    }
}

public enum DNSRcode {
    static let names = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
                        "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]
    public static let noError: UInt16 = 0, serverFailure: UInt16 = 2, nxDomain: UInt16 = 3, refused: UInt16 = 5
    public static func name(_ r: UInt16) -> String {
        if Int(r) < names.count { return names[Int(r)] }
        if r == 16 { return "BADVERS" }
        return "RESERVED\(r)"
    }
}

public struct DNSQuestion: Equatable, Sendable {
    public var name: String   // presentation form, absolute ("example.com.")
    public var type: UInt16
    public var klass: UInt16
    public init(name: String, type: UInt16, klass: UInt16 = DNSClass.inet) {
        self.name = name; self.type = type; self.klass = klass
    }
}

/// Decoded record data for the types dig's common use needs; everything
/// else keeps its bytes (printed in RFC 3597 `\# len hex` form).
public enum DNSRData: Equatable, Sendable {
    case a([UInt8])
    case aaaa([UInt8])
    case name(String)                       // CNAME, NS, PTR, DNAME
    case mx(preference: UInt16, exchange: String)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
    case txt([[UInt8]])
    case soa(mname: String, rname: String, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32)
    case caa(flags: UInt8, tag: [UInt8], value: [UInt8])
    case raw([UInt8])
}

public struct DNSRecord: Equatable, Sendable {
    public var name: String
    public var type: UInt16
    public var klass: UInt16
    public var ttl: UInt32
    public var data: DNSRData
    public init(name: String, type: UInt16, klass: UInt16 = DNSClass.inet, ttl: UInt32, data: DNSRData) {
        self.name = name; self.type = type; self.klass = klass; self.ttl = ttl; self.data = data
    }
}

/// The EDNS0 OPT pseudo-record (RFC 6891): sender's UDP size, extended
/// rcode bits, version, DO flag, options as (code, bytes).
public struct DNSEdns: Equatable, Sendable {
    public var udpSize: UInt16
    public var extendedRcode: UInt8 = 0
    public var version: UInt8 = 0
    public var flags: UInt16 = 0
    public var options: [DNSOption] = []
    public init(udpSize: UInt16, options: [DNSOption] = []) { self.udpSize = udpSize; self.options = options }
}

public struct DNSOption: Equatable, Sendable {
    public var code: UInt16
    public var data: [UInt8]
    public init(code: UInt16, data: [UInt8]) { self.code = code; self.data = data }
    public static let cookie: UInt16 = 10, ede: UInt16 = 15, nsid: UInt16 = 3
}

public struct DNSMessage: Equatable, Sendable {
    public var id: UInt16 = 0
    /// The 16 flag bits of the header as sent (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    public var flags: UInt16 = 0
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []   // without the OPT record
    public var edns: DNSEdns? = nil

    public init() {}

    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: UInt16 { (flags >> 11) & 0xF }
    public var truncated: Bool { flags & 0x0200 != 0 }
    /// The full rcode: 4 header bits plus EDNS's extended 8 bits.
    public var rcode: UInt16 { (flags & 0xF) | (UInt16(edns?.extendedRcode ?? 0) << 4) }

    public static let qr: UInt16 = 0x8000, aa: UInt16 = 0x0400, tc: UInt16 = 0x0200, rd: UInt16 = 0x0100
    public static let ra: UInt16 = 0x0080, ad: UInt16 = 0x0020, cd: UInt16 = 0x0010

    /// A recursive query for one name (EDNS0 with `udpSize` unless nil).
    public static func query(id: UInt16, name: String, type: UInt16, recursionDesired: Bool = true,
                             adFlag: Bool = false, udpSize: UInt16? = 1232, options: [DNSOption] = []) -> DNSMessage {
        var m = DNSMessage()
        m.id = id
        m.flags = (recursionDesired ? rd : 0) | (adFlag ? ad : 0)
        m.questions = [DNSQuestion(name: name, type: type)]
        if let udpSize { m.edns = DNSEdns(udpSize: udpSize, options: options) }
        return m
    }
}

public enum DNSError: Error, Equatable, Sendable {
    case truncatedMessage
    case badName(String)
    case badLabel
}

// MARK: - Names

/// Presentation-form name to wire labels: `\.` and `\DDD` escapes as in
/// master files; "." and "" are the root. Labels over 63 bytes or a name
/// over 255 bytes are errors.
public func dnsLabels(_ name: String) throws(DNSError) -> [[UInt8]] {
    var labels: [[UInt8]] = []
    var cur: [UInt8] = []
    let b = Array(name.utf8)
    var i = 0
    var total = 1
    if b == [0x2E] || b.isEmpty { return [] }
    while i < b.count {
        let c = b[i]
        if c == 0x5C {   // backslash
            if i + 3 < b.count, ASCII.isDigit(b[i + 1]), ASCII.isDigit(b[i + 2]), ASCII.isDigit(b[i + 3]) {
                let v = Int(b[i + 1] - 48) * 100 + Int(b[i + 2] - 48) * 10 + Int(b[i + 3] - 48)
                guard v < 256 else { throw .badName(name) }
                cur.append(UInt8(v)); i += 4
            } else if i + 1 < b.count {
                cur.append(b[i + 1]); i += 2
            } else { throw .badName(name) }
            continue
        }
        if c == 0x2E {
            if cur.isEmpty { throw .badName(name) }
            labels.append(cur); total += cur.count + 1; cur = []
            i += 1; continue
        }
        cur.append(c); i += 1
        if cur.count > 63 { throw .badName(name) }
    }
    if !cur.isEmpty { labels.append(cur); total += cur.count + 1 }
    if total > 255 { throw .badName(name) }
    return labels
}

/// One label in presentation form, escaped as bind does: `.`, `\`, `"`,
/// `(`, `)`, `;`, `@`, `$` get a backslash; bytes outside 0x21...0x7E `\DDD`.
func appendEscapedLabel(_ label: ArraySlice<UInt8>, to s: inout [UInt8]) {
    for c in label {
        switch c {
        case 0x2E, 0x5C, 0x22, 0x28, 0x29, 0x3B, 0x40, 0x24: s.append(0x5C); s.append(c)
        case 0x21...0x7E: s.append(c)
        default:
            s.append(0x5C); s.append(48 + c / 100); s.append(48 + (c / 10) % 10); s.append(48 + c % 10)
        }
    }
}

/// The most compression pointers one name may follow. A legal name has at
/// most 127 labels, so 128 bounds every honest message.
let maxPointers = 128

/// Reads a (possibly compressed) name at `offset`; returns its presentation
/// form and the offset after it in the original position.
func readName(_ msg: UnsafeRawBufferPointer, _ offset: inout Int) throws(DNSError) -> String {
    var out: [UInt8] = []
    var pos = offset
    var jumped = false
    var jumps = 0
    var wireLength = 1
    // A pointer must go strictly backwards from the label that holds it:
    // with a finite message this also rules out loops.
    var limit = pos
    while true {
        guard pos < msg.count else { throw .truncatedMessage }
        let len = Int(msg[pos])
        if len == 0 {
            if !jumped { offset = pos + 1 }
            break
        }
        switch len & 0xC0 {
        case 0xC0:
            guard pos + 1 < msg.count else { throw .truncatedMessage }
            let target = (len & 0x3F) << 8 | Int(msg[pos + 1])
            guard target < limit, jumps < maxPointers else { throw .badLabel }
            if !jumped { offset = pos + 2; jumped = true }
            jumps += 1
            limit = target
            pos = target
        case 0x00:
            guard pos + 1 + len <= msg.count else { throw .truncatedMessage }
            wireLength += len + 1
            guard wireLength <= 255 else { throw .badLabel }
            let label = Array(msg[(pos + 1)..<(pos + 1 + len)])
            appendEscapedLabel(label[...], to: &out)
            out.append(0x2E)
            pos += 1 + len
        default:
            throw .badLabel   // 0x40 / 0x80: extended label types (RFC 6891 retired them)
        }
    }
    if out.isEmpty { return "." }
    return String(decoding: out, as: UTF8.self)
}

/// Reads the name at `offset` of a whole message (for tests and tools):
/// its presentation form and the offset after it.
public func dnsReadName(_ msg: UnsafeRawBufferPointer, at offset: Int) throws(DNSError) -> (name: String, next: Int) {
    var o = offset
    let n = try readName(msg, &o)
    return (n, o)
}

// MARK: - Decode

struct DNSReader {
    let msg: UnsafeRawBufferPointer
    var pos = 0
    mutating func u8() throws(DNSError) -> UInt8 {
        guard pos < msg.count else { throw .truncatedMessage }
        defer { pos += 1 }
        return msg[pos]
    }
    mutating func u16() throws(DNSError) -> UInt16 {
        guard pos + 2 <= msg.count else { throw .truncatedMessage }
        defer { pos += 2 }
        return UInt16(msg[pos]) << 8 | UInt16(msg[pos + 1])
    }
    mutating func u32() throws(DNSError) -> UInt32 {
        let hi = try u16(), lo = try u16()
        return UInt32(hi) << 16 | UInt32(lo)
    }
    mutating func bytes(_ n: Int) throws(DNSError) -> [UInt8] {
        guard n >= 0, pos + n <= msg.count else { throw .truncatedMessage }
        defer { pos += n }
        return Array(msg[pos..<(pos + n)])
    }
    mutating func name() throws(DNSError) -> String { try readName(msg, &pos) }
}

extension DNSMessage {
    /// Decodes a whole message. Throws on any length that runs past the
    /// end, a forward or looping compression pointer, or an over-long name.
    public static func parse(_ bytes: [UInt8]) throws(DNSError) -> DNSMessage {
        let r = bytes.withUnsafeBytes { raw in Result { () throws(DNSError) in try parse(raw) } }
        return try r.get()
    }

    public static func parse(_ raw: UnsafeRawBufferPointer) throws(DNSError) -> DNSMessage {
        var r = DNSReader(msg: raw)
        var m = DNSMessage()
        m.id = try r.u16()
        m.flags = try r.u16()
        let qd = Int(try r.u16()), an = Int(try r.u16()), ns = Int(try r.u16()), ar = Int(try r.u16())
        // Each question takes at least 5 bytes and each record 11: counts
        // larger than the message can hold are rejected before looping.
        guard qd * 5 + (an + ns + ar) * 11 <= raw.count - 12 else { throw .truncatedMessage }
        for _ in 0..<qd {
            let name = try r.name()
            let t = try r.u16(), c = try r.u16()
            m.questions.append(DNSQuestion(name: name, type: t, klass: c))
        }
        for section in 0..<3 {
            let n = section == 0 ? an : section == 1 ? ns : ar
            for _ in 0..<n {
                let name = try r.name()
                let type = try r.u16(), klass = try r.u16(), ttl = try r.u32()
                let rdlen = Int(try r.u16())
                guard r.pos + rdlen <= raw.count else { throw .truncatedMessage }
                if type == DNSType.opt && section == 2 {
                    var e = DNSEdns(udpSize: klass)
                    e.extendedRcode = UInt8(ttl >> 24); e.version = UInt8((ttl >> 16) & 0xFF); e.flags = UInt16(ttl & 0xFFFF)
                    let end = r.pos + rdlen
                    while r.pos + 4 <= end {
                        let code = try r.u16(), len = Int(try r.u16())
                        guard r.pos + len <= end else { throw .truncatedMessage }
                        e.options.append(DNSOption(code: code, data: try r.bytes(len)))
                    }
                    r.pos = end
                    m.edns = e
                    continue
                }
                let data = try decodeRData(raw, type: type, start: r.pos, length: rdlen)
                r.pos += rdlen
                let rec = DNSRecord(name: name, type: type, klass: klass, ttl: ttl, data: data)
                if section == 0 { m.answers.append(rec) } else if section == 1 { m.authority.append(rec) } else { m.additional.append(rec) }
            }
        }
        return m
    }

    static func decodeRData(_ raw: UnsafeRawBufferPointer, type: UInt16, start: Int, length: Int) throws(DNSError) -> DNSRData {
        // The record data as its own bounded view for the fixed-layout
        // types; names inside may still point back into the whole message.
        var r = DNSReader(msg: raw, pos: start)
        let end = start + length
        func finish(_ d: DNSRData, _ r: DNSReader) throws(DNSError) -> DNSRData {
            guard r.pos == end else { throw .truncatedMessage }
            return d
        }
        switch type {
        case DNSType.a where length == 4: return .a(try r.bytes(4))
        case DNSType.aaaa where length == 16: return .aaaa(try r.bytes(16))
        case DNSType.cname, DNSType.ns, DNSType.ptr, 39:
            let n = try r.name(); return try finish(.name(n), r)
        case DNSType.mx:
            let p = try r.u16(); let n = try r.name(); return try finish(.mx(preference: p, exchange: n), r)
        case DNSType.srv:
            let p = try r.u16(), w = try r.u16(), port = try r.u16(); let n = try r.name()
            return try finish(.srv(priority: p, weight: w, port: port, target: n), r)
        case DNSType.soa:
            let mn = try r.name(), rn = try r.name()
            let s = try r.u32(), rf = try r.u32(), rt = try r.u32(), ex = try r.u32(), mi = try r.u32()
            return try finish(.soa(mname: mn, rname: rn, serial: s, refresh: rf, retry: rt, expire: ex, minimum: mi), r)
        case DNSType.txt, 99:
            var strings: [[UInt8]] = []
            while r.pos < end {
                let n = Int(try r.u8())
                guard r.pos + n <= end else { throw .truncatedMessage }
                strings.append(try r.bytes(n))
            }
            return .txt(strings)
        case DNSType.caa where length >= 2:
            let f = try r.u8(); let tl = Int(try r.u8())
            guard tl <= length - 2 else { throw .truncatedMessage }
            let tag = try r.bytes(tl)
            return .caa(flags: f, tag: tag, value: try r.bytes(end - r.pos))
        default:
            return .raw(try r.bytes(length))
        }
    }
}

// MARK: - Encode

/// Writes messages with name compression (RFC 1035 4.1.4): each name's
/// suffixes are remembered by offset and a later equal suffix becomes a
/// pointer. Labels compare byte for byte, so a decoded message re-encodes
/// to the same names, case included.
struct DNSWriter {
    var out: [UInt8] = []
    var known: [([UInt8], Int)] = []   // wire suffix, offset

    mutating func u16(_ v: UInt16) { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }

    mutating func name(_ name: String, compress: Bool = true) throws(DNSError) {
        let labels = try dnsLabels(name)
        for i in 0..<labels.count {
            var suffix: [UInt8] = []
            for l in labels[i...] { suffix.append(UInt8(l.count)); suffix += l }
            if compress, let hit = known.first(where: { $0.0 == suffix }) {
                u16(0xC000 | UInt16(hit.1)); return
            }
            if out.count < 0x3FFF { known.append((suffix, out.count)) }
            out.append(UInt8(labels[i].count)); out += labels[i]
        }
        out.append(0)
    }
}

extension DNSMessage {
    /// The wire form of the message (names compressed, OPT last).
    public func encode() throws(DNSError) -> [UInt8] {
        var w = DNSWriter()
        w.u16(id); w.u16(flags)
        w.u16(UInt16(questions.count)); w.u16(UInt16(answers.count)); w.u16(UInt16(authority.count))
        w.u16(UInt16(additional.count + (edns == nil ? 0 : 1)))
        for q in questions { try w.name(q.name); w.u16(q.type); w.u16(q.klass) }
        for rec in answers + authority + additional {
            try w.name(rec.name); w.u16(rec.type); w.u16(rec.klass); w.u32(rec.ttl)
            let lenAt = w.out.count; w.u16(0)
            switch rec.data {
            case .a(let b), .aaaa(let b), .raw(let b): w.out += b
            case .name(let n): try w.name(n)
            case .mx(let p, let n): w.u16(p); try w.name(n)
            case .srv(let p, let wt, let port, let t): w.u16(p); w.u16(wt); w.u16(port); try w.name(t, compress: false)
            case .txt(let ss): for s in ss { w.out.append(UInt8(min(s.count, 255))); w.out += s.prefix(255) }
            case .soa(let mn, let rn, let s, let rf, let rt, let ex, let mi):
                try w.name(mn); try w.name(rn); w.u32(s); w.u32(rf); w.u32(rt); w.u32(ex); w.u32(mi)
            case .caa(let f, let tag, let v): w.out.append(f); w.out.append(UInt8(tag.count)); w.out += tag; w.out += v
            }
            let len = w.out.count - lenAt - 2
            w.out[lenAt] = UInt8(len >> 8); w.out[lenAt + 1] = UInt8(len & 0xFF)
        }
        if let e = edns {
            w.out.append(0); w.u16(DNSType.opt); w.u16(e.udpSize)
            w.u32(UInt32(e.extendedRcode) << 24 | UInt32(e.version) << 16 | UInt32(e.flags))
            var len = 0
            for o in e.options { len += 4 + o.data.count }
            w.u16(UInt16(len))
            for o in e.options { w.u16(o.code); w.u16(UInt16(o.data.count)); w.out += o.data }
        }
        return w.out
    }
}

// MARK: - Presentation (bind's totext)

extension DNSRData {
    /// The record data as dig prints it.
    public var text: String {
        switch self {
        case .a(let b): return "\(b[0]).\(b[1]).\(b[2]).\(b[3])"
        case .aaaa(let b): return formatIPv6(b)
        case .name(let n): return n
        case .mx(let p, let n): return "\(p) \(n)"
        case .srv(let p, let w, let port, let t): return "\(p) \(w) \(port) \(t)"
        case .txt(let ss): return ss.map { quotedCharacterString($0) }.joinedText(" ")
        case .soa(let mn, let rn, let s, let rf, let rt, let ex, let mi): return "\(mn) \(rn) \(s) \(rf) \(rt) \(ex) \(mi)"
        case .caa(let f, let tag, let v): return "\(f) \(String(decoding: tag, as: UTF8.self)) \(quotedCharacterString(v))"
        case .raw(let b):
            if b.isEmpty { return "\\# 0" }
            var s = "\\# \(b.count) "
            for c in b { s += hexByte(c) }
            return s
        }
    }
}

public func hexByte(_ c: UInt8) -> String {
    let d: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    return String(d[Int(c >> 4)]) + String(d[Int(c & 15)])
}

/// A character-string in double quotes: `"` and `\` escaped, bytes outside
/// 0x20...0x7E as `\DDD` (bind's txt_totext).
public func quotedCharacterString(_ s: [UInt8]) -> String {
    var out: [UInt8] = [0x22]
    for c in s {
        switch c {
        case 0x22, 0x5C: out.append(0x5C); out.append(c)
        case 0x20...0x7E: out.append(c)
        default: out.append(0x5C); out.append(48 + c / 100); out.append(48 + (c / 10) % 10); out.append(48 + c % 10)
        }
    }
    out.append(0x22)
    return String(decoding: out, as: UTF8.self)
}

/// RFC 5952 text: lowercase hex, the longest run (>= 2) of zero groups as
/// `::`, the first such run on ties; IPv4-mapped as ::ffff:a.b.c.d.
public func formatIPv6(_ b: [UInt8]) -> String {
    guard b.count == 16 else { return "" }
    var g = [Int](repeating: 0, count: 8)
    for i in 0..<8 { g[i] = Int(b[2 * i]) << 8 | Int(b[2 * i + 1]) }
    if g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF {
        return "::ffff:\(b[12]).\(b[13]).\(b[14]).\(b[15])"
    }
    var bestStart = -1, bestLen = 0, i = 0
    while i < 8 {
        if g[i] == 0 {
            var j = i
            while j < 8 && g[j] == 0 { j += 1 }
            if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
            i = j
        } else { i += 1 }
    }
    var s = ""
    i = 0
    while i < 8 {
        if i == bestStart {
            s += "::"; i += bestLen; continue
        }
        if !s.isEmpty && !s.hasSuffix(":") { s += ":" }
        s += String(g[i], radix: 16)
        i += 1
    }
    return s
}

/// Parses dotted-quad IPv4 text (exactly four decimal parts).
public func parseIPv4(_ s: String) -> [UInt8]? {
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for p in parts {
        guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt8(p) else { return nil }
        out.append(v)
    }
    return out
}

/// Parses IPv6 text (with `::` and an optional trailing dotted quad).
public func parseIPv6(_ s: String) -> [UInt8]? {
    var text = Substring(s)
    if let pct = text.firstIndex(of: "%") { text = text[..<pct] }
    var tail: [UInt8] = []
    if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(Character(".")) {
        guard let v4 = parseIPv4(String(text[text.index(after: lastColon)...])) else { return nil }
        tail = v4
        text = text[...lastColon]
        if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
    }
    let halves = text.components(separatedByDoubleColon: ())
    func groups(_ t: Substring) -> [UInt16]? {
        if t.isEmpty { return [] }
        var r: [UInt16] = []
        for p in t.split(separator: ":", omittingEmptySubsequences: false) {
            guard !p.isEmpty, p.count <= 4, let v = UInt16(p, radix: 16) else { return nil }
            r.append(v)
        }
        return r
    }
    let needed = 8 - tail.count / 2
    var all: [UInt16]
    if halves.count == 1 {
        guard let g = groups(halves[0]), g.count == needed else { return nil }
        all = g
    } else if halves.count == 2 {
        guard let a = groups(halves[0]), let b = groups(halves[1]), a.count + b.count < needed else { return nil }
        all = a + [UInt16](repeating: 0, count: needed - a.count - b.count) + b
    } else { return nil }
    var out: [UInt8] = []
    for v in all { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xFF)) }
    return out + tail
}

extension Substring {
    /// Splits at the first "::" (at most two parts; a second "::" gives three).
    fileprivate func components(separatedByDoubleColon: ()) -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex, i = startIndex
        while i < endIndex {
            let n = index(after: i)
            if self[i] == ":" && n < endIndex && self[n] == ":" {
                parts.append(self[start..<i]); start = index(after: n); i = start
            } else { i = n }
        }
        parts.append(self[start...])
        return parts
    }
}

/// The reverse-lookup name for an address (dig -x): in-addr.arpa for IPv4,
/// nibbles under ip6.arpa for IPv6.
public func reverseName(_ addr: String) -> String? {
    if let v4 = parseIPv4(addr) { return "\(v4[3]).\(v4[2]).\(v4[1]).\(v4[0]).in-addr.arpa." }
    if let v6 = parseIPv6(addr) {
        let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        var s = ""
        for b in v6.reversed() { s.append(hex[Int(b & 15)]); s += "."; s.append(hex[Int(b >> 4)]); s += "." }
        return s + "ip6.arpa."
    }
    return nil
}
