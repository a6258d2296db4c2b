// GNU tar's --transform/--xform expressions (transform.c's
// parse_transform_expr): `s/REGEX/REPLACEMENT/FLAGS`, any delimiter,
// several separated by `;`, and `flags=[rRsShH]` setting the default
// scope of the ones after it. Pure: the regex text is compiled by the caller.

/// Where an expression applies: member names, symlink targets, hard link targets.
public enum TarTransformScope {
    public static let names: UInt8 = 1, symlinks: UInt8 = 2, hardLinks: UInt8 = 4, all: UInt8 = 7
}

/// One parsed `s` expression.
public struct TarTransformExpr: Equatable {
    /// A piece of the replacement: bytes, `\N`/`&` (0 = the whole match),
    /// or a case control (`L`, `U`, `l`, `u`, `E`).
    public enum Piece: Equatable { case literal([UInt8]), group(Int), caseControl(UInt8) }
    /// The regex text as written (escaped delimiters included, as GNU passes it to regcomp).
    public var regex: [UInt8]
    public var extended = false, ignoreCase = false
    /// `g`, unless the regex starts with `^` or ends with `$` (GNU).
    public var global = false
    /// A number flag: replace only the Nth match (0: the first / all with g).
    public var occurrence = 0
    public var scope = TarTransformScope.all
    public var replacement: [Piece] = []
    /// The highest `\N` in the replacement (checked against the regex's groups).
    public var maxGroup = 0
}

public enum TarTransformError: Error, Equatable {
    case invalid, unknownFlag(UInt8), unknownScopeFlag(UInt8)

    /// GNU tar's message.
    public var message: String {
        switch self {
        case .invalid: return "Invalid transform expression"
        case .unknownFlag(let c): return "Unknown flag in transform expression: " + String(decoding: [c], as: UTF8.self)
        case .unknownScopeFlag(let c): return "Unknown transform flag: " + String(decoding: [c], as: UTF8.self)
        }
    }
}

/// Parses one --transform argument; `scope` carries `flags=` from one
/// argument to the next, as GNU's global transform_flags.
public func parseTarTransform(_ e: [UInt8], scope: inout UInt8) throws(TarTransformError) -> [TarTransformExpr] {
    func scopeFlag(_ c: UInt8, _ s: inout UInt8) -> Bool {
        switch c {
        case 0x72: s |= TarTransformScope.names
        case 0x52: s &= ~TarTransformScope.names
        case 0x73: s |= TarTransformScope.symlinks
        case 0x53: s &= ~TarTransformScope.symlinks
        case 0x68: s |= TarTransformScope.hardLinks
        case 0x48: s &= ~TarTransformScope.hardLinks
        default: return false
        }
        return true
    }
    var out: [TarTransformExpr] = []
    var p = 0
    while p < e.count {
        if e[p] != 0x73 {
            guard e[p...].starts(with: "flags=".utf8) else { throw .invalid }
            scope = 0
            p += 6
            while p < e.count {
                let c = e[p]; p += 1
                if c == 0x3B { break }
                guard scopeFlag(c, &scope) else { throw .unknownScopeFlag(c) }
            }
            continue
        }
        guard p + 1 < e.count else { throw .invalid }
        let delim = e[p + 1]
        func scan(_ from: Int) throws(TarTransformError) -> Int {
            var i = from
            while i < e.count && e[i] != delim { i += e[i] == 0x5C && i + 1 < e.count ? 2 : 1 }
            guard i < e.count else { throw .invalid }
            return i
        }
        let i = try scan(p + 2), j = try scan(i + 1)
        var x = TarTransformExpr(regex: Array(e[(p + 2)..<i]))
        x.scope = scope
        p = j + 1
        while p < e.count && e[p] != 0x3B {
            let c = e[p]
            switch c {
            case 0x67: x.global = true
            case 0x69: x.ignoreCase = true
            case 0x78: x.extended = true
            case 0x30...0x39:
                // strtoul(p, &p, 0): 0x hex, 0 octal, else decimal.
                var base = 10
                if c == 0x30 {
                    base = 8
                    if p + 2 < e.count, e[p + 1] | 0x20 == 0x78, ASCII.hexValue(e[p + 2]) != nil { base = 16; p += 2 }
                }
                var n = 0
                while p < e.count, let d = ASCII.hexValue(e[p]), Int(d) < base { n = min(n &* base &+ Int(d), Int(Int32.max)); p += 1 }
                x.occurrence = n
                continue
            default:
                guard scopeFlag(c, &x.scope) else { throw .unknownFlag(c) }
            }
            p += 1
        }
        if p < e.count { p += 1 }   // the `;`
        if x.regex.first == 0x5E || x.regex.last == 0x24 { x.global = false }
        // The replacement.
        var lit: [UInt8] = []
        func piece(_ q: TarTransformExpr.Piece) {
            if !lit.isEmpty { x.replacement.append(.literal(lit)); lit = [] }
            x.replacement.append(q)
        }
        var k = i + 1
        while k < j {
            let c = e[k]; k += 1
            if c == 0x26 { piece(.group(0)); continue }
            guard c == 0x5C, k < j else { lit.append(c); continue }
            let d = e[k]; k += 1
            switch d {
            case 0x30...0x39:
                var n = Int(d - 0x30)
                while k < j, e[k] >= 0x30, e[k] <= 0x39 { n = min(n * 10 + Int(e[k] - 0x30), 1 << 20); k += 1 }
                x.maxGroup = max(x.maxGroup, n)
                piece(.group(n))
            case 0x61: lit.append(0x07)
            case 0x62: lit.append(0x08)
            case 0x66: lit.append(0x0C)
            case 0x6E: lit.append(0x0A)
            case 0x72: lit.append(0x0D)
            case 0x74: lit.append(0x09)
            case 0x76: lit.append(0x0B)
            case 0x5C, 0x26, delim: lit.append(d)
            case 0x4C, 0x55, 0x6C, 0x75, 0x45: piece(.caseControl(d))
            default: lit += [0x5C, d]
            }
        }
        if !lit.isEmpty { x.replacement.append(.literal(lit)) }
        out.append(x)
    }
    return out
}

/// Renders the replacement of one match with GNU's case conversion:
/// `group(n)` gives the matched bytes of group n (nil: did not take part).
/// `state` carries the case control from one match to the next in a name.
public struct TarCaseState {
    var ctl: UInt8 = 0x45, saved: UInt8 = 0x45
    public init() {}

    public mutating func render(_ pieces: [TarTransformExpr.Piece], into out: inout [UInt8], group: (Int) -> UnsafeBufferPointer<UInt8>?) {
        for p in pieces {
            switch p {
            case .literal(let l): l.withUnsafeBufferPointer { emit($0, &out) }
            case .group(let n): if let g = group(n) { emit(g, &out) }
            case .caseControl(let c):
                if (c == 0x6C || c == 0x75) && (saved == 0x45 || saved == 0x4C || saved == 0x55) { saved = ctl }
                ctl = c
            }
        }
    }

    private mutating func emit(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        if ctl == 0x45 { out += bytes; return }
        let upper = ctl == 0x55 || ctl == 0x75
        var first = true
        for b in bytes {
            let convert = first || ctl == 0x55 || ctl == 0x4C
            first = false
            if convert && upper && b >= 0x61 && b <= 0x7A { out.append(b - 0x20) }
            else if convert && !upper && b >= 0x41 && b <= 0x5A { out.append(b + 0x20) }
            else { out.append(b) }
        }
        if ctl == 0x6C || ctl == 0x75 { ctl = saved; saved = 0x45 }
    }
}
