// LS_COLORS, as GNU ls (coreutils src/ls.c parse_ls_color, get_funky_string)
// reads it: `xx=SEQ` pairs for file kinds and `*SUFFIX=SEQ` for names,
// separated by `:`, with `\` escapes (octal, hex, \a\b\e\f\n\r\t\v\?\_)
// and `^X` caret notation. Pure: bytes in, table out.

/// The indicator slots of GNU ls, in its order (`indicator_name[]`).
public enum LsColorSlot: Int, CaseIterable {
    case left, right, end, reset, normal, file, directory, link, fifo, socket
    case block, char, missing, orphan, exec, door, setuid, setgid
    case sticky, otherWritable, stickyOtherWritable, capability, multiHardlink, clearToEOL

    /// The two-letter label (`lc`, `rc`, `ec`, `rs`, `no`, `fi`, `di`, ...).
    static let labels: [UInt8] = Array("lcrcecrsnofidilnpisobdcdmiorexdosusgstowtwcamhcl".utf8)
}

public struct LsColors: Equatable, Sendable {
    /// One sequence per slot; nil when undefined (an empty sequence is defined).
    public var slots: [[UInt8]?]
    /// `*SUFFIX=SEQ` entries, later definitions first (GNU's list order).
    public var suffixes: [Suffix] = []
    /// `ln=target`: colour symlinks as the file they point to.
    public var linkAsTarget = false

    /// Matched case-insensitively, the latest definition first (coreutils
    /// 9.1; 9.2 made suffixes differing only in case exact).
    public struct Suffix: Equatable, Sendable {
        public var suffix: [UInt8]
        public var sequence: [UInt8]
    }

    /// GNU's built-in colours (used when LS_COLORS is unset or empty).
    public static let defaults = LsColors(slots: [
        Array("\u{1b}[".utf8), Array("m".utf8), nil, Array("0".utf8), nil, nil,
        Array("01;34".utf8), Array("01;36".utf8), Array("33".utf8), Array("01;35".utf8),
        Array("01;33".utf8), Array("01;33".utf8), nil, nil, Array("01;32".utf8), Array("01;35".utf8),
        Array("37;41".utf8), Array("30;43".utf8), Array("37;44".utf8), Array("34;42".utf8),
        Array("30;42".utf8), nil, nil, Array("\u{1b}[K".utf8),
    ])

    public enum ParseError: Error, Equatable, Sendable {
        /// `xx=` with a label GNU does not know (it reports it, then gives up).
        case unrecognizedPrefix([UInt8])
        /// Any other malformed input.
        case unparsable
    }

    /// Whether a slot colours anything: defined and not "", "0" or "00".
    @inline(__always) public func isColored(_ s: LsColorSlot) -> Bool {
        guard let v = slots[s.rawValue], !v.isEmpty else { return false }
        if v.count > 2 { return true }
        return v[0] != 0x30 || v[v.count - 1] != 0x30
    }

    /// Parses an LS_COLORS value over GNU's defaults.
    public static func parse(_ text: Bytes) -> Result<LsColors, ParseError> {
        var c = LsColors.defaults
        let n = text.count
        var p = 0
        @inline(__always) func at(_ i: Int) -> UInt8 { i < n ? text[i] : 0 }
        /// get_funky_string: decodes from p; stops at ':' / end (and '=' when equalsEnds).
        func funky(_ equalsEnds: Bool) -> [UInt8]? {
            var out: [UInt8] = []
            while true {
                let ch = at(p)
                switch ch {
                case 0x3A, 0: return out
                case 0x3D where equalsEnds: return out
                case 0x5C:      // backslash
                    p += 1
                    let e = at(p)
                    switch e {
                    case 0x30...0x37:
                        var num = UInt8(0)
                        while case let d = at(p), d >= 0x30 && d <= 0x37 { num = (num &<< 3) &+ (d - 0x30); p += 1 }
                        out.append(num)
                        continue
                    case 0x78, 0x58:   // x X
                        p += 1
                        var num = UInt8(0)
                        while true {
                            let d = at(p)
                            if d >= 0x30 && d <= 0x39 { num = (num &<< 4) &+ (d - 0x30) }
                            else if d >= 0x61 && d <= 0x66 { num = (num &<< 4) &+ (d - 0x61 + 10) }
                            else if d >= 0x41 && d <= 0x46 { num = (num &<< 4) &+ (d - 0x41 + 10) }
                            else { break }
                            p += 1
                        }
                        out.append(num)
                        continue
                    case 0: return nil
                    case 0x61: out.append(7)
                    case 0x62: out.append(8)
                    case 0x65: out.append(27)
                    case 0x66: out.append(12)
                    case 0x6E: out.append(10)
                    case 0x72: out.append(13)
                    case 0x74: out.append(9)
                    case 0x76: out.append(11)
                    case 0x3F: out.append(127)
                    case 0x5F: out.append(0x20)
                    default: out.append(e)
                    }
                    p += 1
                case 0x5E:      // caret
                    p += 1
                    let e = at(p)
                    if e >= 0x40 && e <= 0x7E { out.append(e & 0o37); p += 1 }
                    else if e == 0x3F { out.append(127); p += 1 }
                    else { return nil }
                default:
                    out.append(ch); p += 1
                }
            }
        }
        while true {
            let ch = at(p)
            if p >= n || ch == 0 { break }
            if ch == 0x3A { p += 1; continue }
            if ch == 0x2A {     // *SUFFIX=SEQ
                p += 1
                guard let ext = funky(true) else { return .failure(.unparsable) }
                guard at(p) == 0x3D else { return .failure(.unparsable) }
                p += 1
                guard let seq = funky(false) else { return .failure(.unparsable) }
                c.suffixes.insert(Suffix(suffix: ext, sequence: seq), at: 0)
                continue
            }
            let l0 = ch
            p += 1
            guard p < n, at(p) != 0 else { return .failure(.unparsable) }
            let l1 = at(p); p += 1
            guard at(p) == 0x3D else { return .failure(.unparsable) }
            p += 1
            var slot = -1
            for i in 0..<LsColorSlot.allCases.count where LsColorSlot.labels[2 * i] == l0 && LsColorSlot.labels[2 * i + 1] == l1 {
                slot = i; break
            }
            // GNU 9.1 names the label also when its value is malformed.
            guard slot >= 0, let seq = funky(false) else { return .failure(.unrecognizedPrefix([l0, l1])) }
            c.slots[slot] = seq
        }
        if let l = c.slots[LsColorSlot.link.rawValue], l == Array("target".utf8) { c.linkAsTarget = true }
        return .success(c)
    }
}

@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

/// The `*SUFFIX` entries bucketed by their last byte (lower-cased), so a
/// name is compared only with the suffixes that can match it; within a
/// bucket GNU's priority order is kept. An empty suffix matches every name.
public struct LsSuffixIndex {
    private var buckets: [[Int32]]
    private let suffixes: [LsColors.Suffix]

    public init(_ c: LsColors) {
        suffixes = c.suffixes
        buckets = Array(repeating: [], count: 256)
        for (i, s) in suffixes.enumerated() {
            if let last = s.suffix.last {
                let lo = asciiLower(last)
                buckets[Int(lo)].append(Int32(i))
                if lo >= 0x61 && lo <= 0x7A { buckets[Int(lo - 0x20)].append(Int32(i)) }
            } else {
                for b in 0..<256 { buckets[b].append(Int32(i)) }
            }
        }
        for b in 0..<256 where buckets[b].count > 1 { buckets[b].sort() }
    }

    public var isEmpty: Bool { suffixes.isEmpty }

    /// The sequence of the first suffix `name` ends with, if any.
    public func match(_ name: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let last = name.last else {
            // GNU compares suffixes no longer than the name: only "" matches "".
            for i in buckets[0] where suffixes[Int(i)].suffix.isEmpty { return Int(i) }
            return nil
        }
        for i in buckets[Int(last)] {
            let s = suffixes[Int(i)]
            let len = s.suffix.count
            if len > name.count { continue }
            let base = name.count - len
            var ok = true
            for k in 0..<len where asciiLower(name[base + k]) != asciiLower(s.suffix[k]) { ok = false; break }
            if ok { return Int(i) }
        }
        return nil
    }

    public func sequence(_ i: Int) -> [UInt8] { suffixes[i].sequence }
}
