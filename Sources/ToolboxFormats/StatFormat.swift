// GNU stat's format language (coreutils stat.c: print_it, make_format,
// out_epoch_sec), for `stat -c/--format`, `--printf` and the default and
// terse layouts. Parsing is pure: the applet supplies the values.

/// One `%` directive: its printf prefix (`%`, flags from `'-+ #0I`, width,
/// `.precision`, as written) and its conversion letter, with GNU's `H`/`L`
/// modifier for `%Hd %Ld %Hr %Lr` (0 otherwise).
public struct StatDirective: Equatable, Sendable {
    public var prefix: [UInt8]
    public var conversion: UInt8
    public var modifier: UInt8
}

/// A parsed format: text, directives, and what GNU reports while printing.
public enum StatFormatPiece: Equatable, Sendable {
    case literal([UInt8])
    case directive(StatDirective)
    /// A warning printed at this point of every file's output
    /// (`warning: unrecognized escape '\q'`).
    case warning(String)
    /// A fatal error at this point (`'%5%': invalid directive`): GNU prints
    /// what came before, reports it and exits 1.
    case invalid(String)
}

/// Parses a stat format. `escapes` is --printf (backslash escapes
/// interpreted); `fileSystem` is -f (where `%Hd` is not a directive).
public func parseStatFormat(_ f: [UInt8], escapes: Bool, fileSystem: Bool) -> [StatFormatPiece] {
    var pieces: [StatFormatPiece] = []
    var text: [UInt8] = []
    func flush() { if !text.isEmpty { pieces.append(.literal(text)); text.removeAll() } }
    let n = f.count
    var i = 0
    func at(_ k: Int) -> UInt8 { k < n ? f[k] : 0 }
    func isOctal(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x37 }
    while i < n {
        let c = f[i]
        if c == 0x25 {   // %
            var j = i + 1
            while j < n, printfFlagChars.contains(f[j]) { j += 1 }
            while j < n, ASCII.isDigit(f[j]) { j += 1 }
            if at(j) == 0x2E { j += 1; while j < n, ASCII.isDigit(f[j]) { j += 1 } }
            let prefix = Array(f[i..<j])
            let code = at(j)
            if code == 0 || code == 0x25 {
                if prefix.count > 1 {
                    flush()
                    pieces.append(.invalid("'" + String(decoding: prefix + (code == 0 ? [] : [code]), as: UTF8.self) + "': invalid directive"))
                    return pieces
                }
                text.append(0x25)
                i = code == 0 ? j : j + 1
                continue
            }
            var conv = code, mod: UInt8 = 0
            if (code == 0x48 || code == 0x4C) && !fileSystem && (at(j + 1) == 0x64 || at(j + 1) == 0x72) {
                mod = code; conv = at(j + 1); j += 1
            }
            flush()
            pieces.append(.directive(StatDirective(prefix: prefix, conversion: conv, modifier: mod)))
            i = j + 1
            continue
        }
        if c == 0x5C && escapes {   // backslash
            i += 1
            let e = at(i)
            if i < n && isOctal(e) {
                var v = 0, k = 0
                while k < 3, i < n, isOctal(f[i]) { v = v * 8 + Int(f[i] - 0x30); i += 1; k += 1 }
                text.append(UInt8(truncatingIfNeeded: v))
                continue
            }
            if e == 0x78, let h = ASCII.hexValue(at(i + 1)) {
                var v = h
                i += 2
                if let h2 = ASCII.hexValue(at(i)) { v = v &* 16 &+ h2; i += 1 }
                text.append(v)
                continue
            }
            if i >= n {
                flush()
                pieces.append(.warning("warning: backslash at end of format"))
                text.append(0x5C)
                continue
            }
            let mapped: UInt8
            switch e {
            case 0x61: mapped = 0x07   // a
            case 0x62: mapped = 0x08   // b
            case 0x65: mapped = 0x1B   // e
            case 0x66: mapped = 0x0C   // f
            case 0x6E: mapped = 0x0A   // n
            case 0x72: mapped = 0x0D   // r
            case 0x74: mapped = 0x09   // t
            case 0x76: mapped = 0x0B   // v
            case 0x22, 0x5C: mapped = e
            default:
                flush()
                pieces.append(.warning("warning: unrecognized escape '\\" + String(decoding: [e], as: UTF8.self) + "'"))
                mapped = e
            }
            text.append(mapped)
            i += 1
            continue
        }
        text.append(c)
        i += 1
    }
    flush()
    return pieces
}

/// printf's flag characters as GNU stat accepts them before a width.
let printfFlagChars: [UInt8] = Array("'-+ #0I".utf8)

/// A printf conversion's output as parts, so that a huge width costs no
/// memory: `leading` spaces, `head` (sign, `0x`, decimal point), `zeros`,
/// `body`, `trailing` spaces.
public struct PrintfField: Equatable, Sendable {
    public var leading = 0
    public var head: [UInt8] = []
    public var zeros = 0
    public var body: [UInt8] = []
    public var trailing = 0

    /// The bytes (for tests and small fields).
    public var bytes: [UInt8] {
        [UInt8](repeating: 0x20, count: leading) + head + [UInt8](repeating: 0x30, count: zeros) + body
            + [UInt8](repeating: 0x20, count: trailing)
    }
}

/// The flags, width and precision of a prefix after GNU's make_format kept
/// only `allowed` of the leading flags.
struct PrintfSpec {
    var minus = false, plus = false, space = false, hash = false, zero = false
    var width = 0
    var precision: Int? = nil

    init(_ prefix: ArraySlice<UInt8>, allowed: String) {
        let allow = Array(allowed.utf8)
        var i = prefix.startIndex
        if i < prefix.endIndex, prefix[i] == 0x25 { i += 1 }
        // make_format drops disallowed leading flags; printf then reads
        // flags (anything left of them), width and precision.
        while i < prefix.endIndex, printfFlagChars.contains(prefix[i]) {
            let c = prefix[i]
            if allow.contains(c) {
                switch c {
                case 0x2D: minus = true
                case 0x2B: plus = true
                case 0x20: space = true
                case 0x23: hash = true
                case 0x30: zero = true
                default: break
                }
            }
            i += 1
        }
        width = Self.number(prefix, &i)
        if i < prefix.endIndex, prefix[i] == 0x2E { i += 1; precision = Self.number(prefix, &i) }
    }

    /// Digits as an Int capped at Int32.max (printf's limit).
    static func number(_ p: ArraySlice<UInt8>, _ i: inout Int) -> Int {
        var v = 0
        while i < p.endIndex, ASCII.isDigit(p[i]) { v = min(v * 10 + Int(p[i] - 0x30), Int(Int32.max)); i += 1 }
        return v
    }

    func pad(_ f: inout PrintfField) {
        let len = f.head.count + f.zeros + f.body.count
        guard width > len else { return }
        if minus { f.trailing = width - len }
        else if zero && precision == nil { f.zeros += width - len }
        else { f.leading = width - len }
    }
}

public enum PrintfConversion: Sendable { case signed, unsigned, octal, hex }

/// GNU stat's out_string: `%s` with the `-` flag only (width, precision).
public func printfString(_ prefix: [UInt8], _ s: [UInt8]) -> PrintfField {
    let spec = PrintfSpec(prefix[...], allowed: "-")
    var f = PrintfField()
    f.body = spec.precision.map { Array(s.prefix($0)) } ?? s
    spec.pad(&f)
    return f
}

/// GNU stat's out_int (`'-+ 0`, %jd), out_uint (`'-0`, %ju), out_uint_o
/// (`-#0`, %jo) and out_uint_x (`-#0`, %jx). `negative` gives the sign of
/// a signed value whose magnitude is `value`; `minusZero` prints `-0`
/// (out_minus_zero).
public func printfInteger(_ prefix: ArraySlice<UInt8>, _ value: UInt64, negative: Bool = false,
                          as conversion: PrintfConversion, minusZero: Bool = false) -> PrintfField {
    let allowed: String
    let base: UInt64
    switch conversion {
    case .signed: allowed = "'-+ 0"; base = 10
    case .unsigned: allowed = "'-0"; base = 10
    case .octal: allowed = "-#0"; base = 8
    case .hex: allowed = "-#0"; base = 16
    }
    let spec = PrintfSpec(prefix, allowed: allowed)
    var f = PrintfField()
    if minusZero {
        // printf("%.0f", -0.25): precision is the fraction's, not digits.
        f.head = [0x2D]; f.body = [0x30]
        var s = spec; s.precision = nil
        s.pad(&f)
        return f
    }
    var digits: [UInt8] = []
    var v = value
    repeat {
        let d = UInt8(v % base)
        digits.append(d < 10 ? 0x30 + d : 0x61 + d - 10)
        v /= base
    } while v > 0
    digits.reverse()
    if let p = spec.precision {
        if p == 0 && value == 0 { digits = [] }
        if p > digits.count { f.zeros = p - digits.count }
    }
    if conversion == .signed {
        if negative { f.head = [0x2D] } else if spec.plus { f.head = [0x2B] } else if spec.space { f.head = [0x20] }
    }
    if spec.hash {
        if conversion == .octal && f.zeros == 0 && digits.first != 0x30 { f.zeros = 1 }
        if conversion == .hex && value != 0 { f.head = [0x30, 0x78] }
    }
    f.body = digits
    spec.pad(&f)
    return f
}

/// GNU stat's out_epoch_sec: seconds since the Epoch printed like `%f`
/// (`%.3Y`, `%10.3Y`, `%-12.Y`): the seconds, then, with a precision, the
/// decimal point, the fraction and padding.
public func printfEpoch(_ prefix: [UInt8], seconds: Int64, nanoseconds: Int) -> [PrintfField] {
    var secPrefix = prefix[...]
    var width = 0, precision = 0
    if let dot = prefix.firstIndex(of: 0x2E) {
        secPrefix = prefix[..<dot]
        if dot + 1 < prefix.count, ASCII.isDigit(prefix[dot + 1]) {
            var k = dot + 1
            precision = PrintfSpec.number(prefix[...], &k)
        } else {
            precision = 9
        }
        if precision != 0 && dot > 0 && ASCII.isDigit(prefix[dot - 1]) {
            var p = dot
            repeat { p -= 1 } while p > 0 && ASCII.isDigit(prefix[p - 1])
            var k = p
            width = PrintfSpec.number(prefix[...], &k)
            if 1 < width {
                if prefix[p] == 0x30 { p += 1 }
                secPrefix = prefix[..<p]
                let wd = 1 < width ? width - 1 : 0
                if 1 < wd {
                    let w = wd - precision
                    if 1 < w {
                        var filtered: [UInt8] = []
                        var leftAdjust = false
                        for c in prefix[..<p] { if c == 0x2D { leftAdjust = true } else { filtered.append(c) } }
                        if !leftAdjust { filtered += Array(String(w).utf8) }
                        secPrefix = filtered[...]
                    }
                }
            }
        }
    }
    var divisor = 1
    if precision < 9 { for _ in precision..<9 { divisor *= 10 } }
    var frac = nanoseconds / divisor
    var sec = seconds
    var minusZero = false
    if sec < 0 && nanoseconds != 0 {
        frac = 1_000_000_000 / divisor - frac - (nanoseconds % divisor != 0 ? 1 : 0)
        if frac != 0 { sec += 1 }
        minusZero = sec == 0
    }
    var fields = [printfInteger(secPrefix, sec.magnitude, negative: sec < 0, as: .signed, minusZero: minusZero)]
    if precision != 0 {
        let ilen = fields[0].leading + fields[0].head.count + fields[0].zeros + fields[0].body.count + fields[0].trailing
        let prec = min(precision, 9)
        var digits = Array(String(frac).utf8)
        if digits.count < prec { digits = [UInt8](repeating: 0x30, count: prec - digits.count) + digits }
        var tail = PrintfField()
        tail.head = [0x2E] + digits
        tail.zeros = precision - prec
        // printf("%-*.*d", trailing_width, trailing_prec, 0): a negative
        // width is a left-adjusted one.
        let trailingWidth = ilen < width && 1 < width - ilen ? width - ilen - 1 - prec : 0
        tail.trailing = max(0, abs(trailingWidth) - tail.zeros)
        fields.append(tail)
    }
    return fields
}
