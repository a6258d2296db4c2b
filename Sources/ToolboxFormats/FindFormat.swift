/// find -printf formats (GNU findutils' syntax) and find -perm / chmod
/// modes: pure parsers, bytes in, value out.

/// A parsed -printf FORMAT: literal runs and directives.
public struct FindFormat {
    public enum Piece: Equatable {
        case literal([UInt8])
        case directive(Directive)
        /// `\c`: stop printing this format (and flush).
        case stop
    }
    public struct Directive: Equatable {
        /// The conversion letter (`p`, `s`, `T` ...).
        public var letter: UInt8
        /// The time letter after %A, %C, %T (`Y`, `@`, `+` ...), else 0.
        public var sub: UInt8
        public var leftAlign = false
        public var zeroPad = false
        public var alternate = false
        public var width = 0
        public var precision: Int? = nil
    }
    public var pieces: [Piece] = []
    /// GNU's warnings (unrecognized escape or directive), in order.
    public var warnings: [String] = []

    /// The directive letters GNU find knows.
    static let letters: [UInt8] = Array("abcdfghiklmnpstuyDFGHMPSUYABCTZ".utf8)

    /// Parses `format`; throws GNU's message for a `%` at the end.
    public init(parsing f: [UInt8]) throws(FindFormatError) {
        var lit: [UInt8] = []
        func flushLiteral() { if !lit.isEmpty { pieces.append(.literal(lit)); lit = [] } }
        var i = 0
        while i < f.count {
            let c = f[i]
            if c == 0x5C {   // backslash
                i += 1
                guard i < f.count else { lit.append(0x5C); break }
                let e = f[i]
                switch e {
                case 0x61: lit.append(7)
                case 0x62: lit.append(8)
                case 0x66: lit.append(12)
                case 0x6E: lit.append(10)
                case 0x72: lit.append(13)
                case 0x74: lit.append(9)
                case 0x76: lit.append(11)
                case 0x5C: lit.append(0x5C)
                case 0x63: flushLiteral(); pieces.append(.stop); i += 1; continue
                case 0x30...0x37:
                    var v = 0, n = 0
                    while n < 3 && i < f.count && f[i] >= 0x30 && f[i] <= 0x37 { v = v * 8 + Int(f[i] - 0x30); i += 1; n += 1 }
                    lit.append(UInt8(truncatingIfNeeded: v))
                    continue
                default:
                    warnings.append("warning: unrecognized escape `\\" + String(decoding: [e], as: UTF8.self) + "'")
                    lit.append(0x5C); lit.append(e)
                }
                i += 1
                continue
            }
            if c != 0x25 { lit.append(c); i += 1; continue }
            // '%'
            let start = i
            i += 1
            guard i < f.count else { throw FindFormatError(message: "error: % at end of format string") }
            if f[i] == 0x25 { lit.append(0x25); i += 1; continue }
            var d = Directive(letter: 0, sub: 0)
            while i < f.count, let flag = [UInt8](arrayLiteral: 0x2D, 0x2B, 0x20, 0x23, 0x30).firstIndex(of: f[i]) {
                switch flag {
                case 0: d.leftAlign = true
                case 3: d.alternate = true
                case 4: d.zeroPad = true
                default: break
                }
                i += 1
            }
            while i < f.count, f[i] >= 0x30, f[i] <= 0x39 {
                d.width = min(d.width * 10 + Int(f[i] - 0x30), 1 << 20); i += 1
            }
            if i < f.count, f[i] == 0x2E {
                i += 1
                var p = 0
                while i < f.count, f[i] >= 0x30, f[i] <= 0x39 { p = min(p * 10 + Int(f[i] - 0x30), 1 << 20); i += 1 }
                d.precision = p
            }
            guard i < f.count else { throw FindFormatError(message: "error: % at end of format string") }
            let letter = f[i]
            i += 1
            if letter == 0x41 || letter == 0x43 || letter == 0x54 || letter == 0x42 {   // A C T B
                guard i < f.count else { throw FindFormatError(message: "error: missing format specifier") }
                d.letter = letter; d.sub = f[i]; i += 1
                flushLiteral(); pieces.append(.directive(d))
                continue
            }
            if FindFormat.letters.contains(letter) {
                d.letter = letter
                flushLiteral(); pieces.append(.directive(d))
                continue
            }
            // Unknown: GNU warns and prints it as it is.
            warnings.append("warning: unrecognized format directive `%" + String(decoding: [letter], as: UTF8.self) + "'")
            lit.append(contentsOf: f[start..<i])
        }
        flushLiteral()
    }
}

public struct FindFormatError: Error, Equatable {
    public let message: String
}

/// A find -perm MODE (or chmod MODE) applied to 0 as GNU find does: octal
/// (`644`) or symbolic (`u=rw,g+r`, `a+X`); nil when invalid. The umask is
/// not applied (findutils passes 0).
public func parseFileMode(_ s: [UInt8]) -> UInt32? {
    if s.isEmpty { return nil }
    if s.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
        var v: UInt32 = 0
        for c in s { v = v * 8 + UInt32(c - 0x30); if v > 0o7777 { return nil } }
        return v
    }
    var mode: UInt32 = 0
    var i = 0
    while true {
        // who
        var who: UInt32 = 0
        while i < s.count {
            switch s[i] {
            case 0x75: who |= 0o4700
            case 0x67: who |= 0o2070
            case 0x6F: who |= 0o1007
            case 0x61: who |= 0o7777
            default: break
            }
            if s[i] == 0x75 || s[i] == 0x67 || s[i] == 0x6F || s[i] == 0x61 { i += 1 } else { break }
        }
        if who == 0 { who = 0o7777 }
        // one or more actions
        guard i < s.count, s[i] == 0x2B || s[i] == 0x2D || s[i] == 0x3D else { return nil }
        while i < s.count, s[i] == 0x2B || s[i] == 0x2D || s[i] == 0x3D {
            let op = s[i]; i += 1
            var bits: UInt32 = 0
            if i < s.count, s[i] == 0x75 || s[i] == 0x67 || s[i] == 0x6F {
                // copy from a class of the current mode
                let shift: UInt32 = s[i] == 0x75 ? 6 : (s[i] == 0x67 ? 3 : 0)
                let v = (mode >> shift) & 7
                bits = v << 6 | v << 3 | v
                i += 1
            } else {
                while i < s.count {
                    switch s[i] {
                    case 0x72: bits |= 0o444
                    case 0x77: bits |= 0o222
                    case 0x78: bits |= 0o111
                    case 0x58: if mode & 0o111 != 0 { bits |= 0o111 }
                    case 0x73: bits |= 0o6000
                    case 0x74: bits |= 0o1000
                    default: break
                    }
                    if [UInt8](arrayLiteral: 0x72, 0x77, 0x78, 0x58, 0x73, 0x74).contains(s[i]) { i += 1 } else { break }
                }
            }
            bits &= who
            switch op {
            case 0x2B: mode |= bits
            case 0x2D: mode &= ~bits
            default: mode = (mode & ~(who & 0o7777)) | bits
            }
        }
        if i == s.count { return mode }
        guard s[i] == 0x2C else { return nil }
        i += 1
    }
}
