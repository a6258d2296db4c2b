// File names quoted as GNU's quotearg (gnulib lib/quotearg.c,
// quotearg_buffer_restyled) does in the C locale, for ls's
// --quoting-style. Pure: bytes in, bytes out.

public enum QuotingStyle: Int, CaseIterable {
    case literal, shell, shellAlways, shellEscape, shellEscapeAlways, c, cMaybe, escape, locale, clocale

    /// GNU's argument names, in `quoting_style_args` order.
    public static let names = ["literal", "shell", "shell-always", "shell-escape", "shell-escape-always",
                               "c", "c-maybe", "escape", "locale", "clocale"]
}

/// Quoting settings: a style and extra bytes to quote (`quote_these_too`).
public struct NameQuoter {
    public let style: QuotingStyle
    /// Bytes quoted in addition to the style's own (ls: ' ' for escape,
    /// the -F indicators, ':' in directory headers).
    private var extra = [Bool](repeating: false, count: 256)

    /// UTF-8 locale: valid multibyte characters (not C1 controls) are printable.
    public let utf8: Bool

    public init(_ style: QuotingStyle, alsoQuote: [UInt8] = [], utf8: Bool = false) {
        self.style = style; self.utf8 = utf8
        for b in alsoQuote { extra[Int(b)] = true }
    }

    public func adding(_ bytes: [UInt8]) -> NameQuoter {
        var q = self
        for b in bytes { q.extra[Int(b)] = true }
        return q
    }

    /// C-locale isprint.
    @inline(__always) static func printable(_ c: UInt8) -> Bool { c >= 0x20 && c < 0x7F }

    /// Appends `name` quoted to `out`.
    public func quote(_ name: Bytes, into out: inout [UInt8]) {
        let start = out.count
        if !run(name, style, elide: nil, extra: true, into: &out) {
            out.removeSubrange(start...)
            // force_outer_quoting_style
            let forced: QuotingStyle = style == .shellEscape ? .shellEscapeAlways : (style == .shell ? .shellAlways : .c)
            _ = run(name, forced, elide: false, extra: false, into: &out)
        }
    }

    /// Whether quoting changes `name` (ls's needs_quoting).
    public func changes(_ name: Bytes) -> Bool {
        var out: [UInt8] = []
        quote(name, into: &out)
        return out.count != name.count || !out.elementsEqual(name)
    }

    /// One pass of quotearg_buffer_restyled; false: restart with outer quotes.
    private func run(_ arg: Bytes, _ styleIn: QuotingStyle, elide elideIn: Bool?, extra useExtra: Bool, into out: inout [UInt8]) -> Bool {
        var backslashEscapes = false
        var elide = false
        var shellAlways = false
        var quoteString: [UInt8] = []
        let start = out.count
        switch styleIn {
        case .cMaybe, .c:
            elide = styleIn == .cMaybe
            if elideIn == false { elide = false }
            if !elide { out.append(0x22) }
            backslashEscapes = true
            quoteString = [0x22]
        case .escape:
            backslashEscapes = true
        case .locale, .clocale:
            let q: UInt8 = styleIn == .clocale ? 0x22 : 0x27
            out.append(q)
            backslashEscapes = true
            quoteString = [q]
        case .shellEscape, .shell, .shellEscapeAlways, .shellAlways:
            if styleIn == .shellEscape { backslashEscapes = true }
            if styleIn == .shellEscape || styleIn == .shell { elide = true }
            if elideIn == false { elide = false }
            if styleIn == .shellEscapeAlways && !elide { backslashEscapes = true }
            if styleIn == .shellEscape && !elide { backslashEscapes = true }
            shellAlways = true
            if !elide { out.append(0x27) }
            quoteString = [0x27]
        case .literal:
            break
        }
        var pendingShellEscapeEnd = false
        var encounteredSingleQuote = false
        var allCompat = true
        var i = 0
        let n = arg.count
        while i < n {
            var c = arg[i]
            var escaping = false
            var compat = false
            var isRightQuote = false
            if backslashEscapes && !shellAlways && !quoteString.isEmpty && c == quoteString[0] {
                if elide { return false }
                isRightQuote = true
            }
            var action = 0    // 0: default quote_these_too check, 1: store_escape, 2: store_c
            switch c {
            case 0x3F:   // ?
                if shellAlways && elide { return false }
            case 7, 8, 12, 11:
                if backslashEscapes { c = c == 7 ? 0x61 : c == 8 ? 0x62 : c == 12 ? 0x66 : 0x76; action = 1 }
            case 10, 13, 9:
                if shellAlways && elide { return false }
                if backslashEscapes { c = c == 10 ? 0x6E : c == 13 ? 0x72 : 0x74; action = 1 }
            case 0x5C:   // backslash
                if shellAlways {
                    if elide { return false }
                    action = 2
                } else if backslashEscapes && elide && !quoteString.isEmpty {
                    action = 2
                } else if backslashEscapes {
                    action = 1
                }
            case 0x7B, 0x7D, 0x23, 0x7E, 0x20:  // { } # ~ space
                var special = true
                if c == 0x7B || c == 0x7D { special = n == 1 }
                if (c == 0x7B || c == 0x7D || c == 0x23 || c == 0x7E) && special { special = i == 0 }
                if special {
                    compat = true
                    if shellAlways && elide { return false }
                }
            case 0x21, 0x22, 0x24, 0x26, 0x28, 0x29, 0x2A, 0x3B, 0x3C, 0x3D, 0x3E, 0x5B, 0x5E, 0x60, 0x7C:
                if shellAlways && elide { return false }
            case 0x27:   // '
                encounteredSingleQuote = true
                compat = true
                if shellAlways {
                    if elide { return false }
                    out.append(0x27); out.append(0x5C); out.append(0x27)
                    pendingShellEscapeEnd = false
                }
            case 0x25, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30...0x39, 0x3A, 0x41...0x5A, 0x5D, 0x5F, 0x61...0x7A:
                compat = true
            default:
                if utf8 && c >= 0x80, case let m = utf8Length(arg, i), m > 1 {
                    // A printable multibyte character: copied whole (END_ESC first).
                    if pendingShellEscapeEnd { out.append(0x27); out.append(0x27); pendingShellEscapeEnd = false }
                    for k in 0..<m { out.append(arg[i + k]) }
                    i += m
                    continue
                }
                let printable = NameQuoter.printable(c)
                compat = printable
                if backslashEscapes && !printable {
                    // START_ESC, then three octal digits
                    if elide { return false }
                    escaping = true
                    if shellAlways && !pendingShellEscapeEnd {
                        out.append(0x27); out.append(0x24); out.append(0x27); pendingShellEscapeEnd = true
                    }
                    out.append(0x5C)
                    out.append(0x30 + (c >> 6)); out.append(0x30 + ((c >> 3) & 7))
                    c = 0x30 + (c & 7)
                    action = 2
                } else if isRightQuote {
                    out.append(0x5C); isRightQuote = false
                    action = 2
                }
            }
            if action == 0 {
                let quoted = useExtra && ((backslashEscapes && !shellAlways) || elide) && extra[Int(c)]
                action = (quoted || isRightQuote) ? 1 : 2
            }
            if action == 1 {
                if elide { return false }
                escaping = true
                if shellAlways && !pendingShellEscapeEnd {
                    out.append(0x27); out.append(0x24); out.append(0x27); pendingShellEscapeEnd = true
                }
                out.append(0x5C)
            }
            // store_c: END_ESC
            if pendingShellEscapeEnd && !escaping {
                out.append(0x27); out.append(0x27); pendingShellEscapeEnd = false
            }
            out.append(c)
            if !compat { allCompat = false }
            i += 1
        }
        if n == 0 && shellAlways && elide { return false }
        if shellAlways && !elide && encounteredSingleQuote && allCompat {
            // A name whose only problem is `'`: "it's" rather than 'it'\''s'.
            out.removeSubrange(start...)
            return run(arg, .c, elide: false, extra: useExtra, into: &out)
        }
        if !elide { out.append(contentsOf: quoteString) }
        return true
    }
}

/// The length of the printable UTF-8 character at `i` (2-4), or 0 when the
/// bytes there are not one (invalid, truncated, or a C1 control).
public func utf8Length(_ s: Bytes, _ i: Int) -> Int {
    let n = s.count, c = s[i]
    var m = 0, lo: UInt8 = 0x80, hi: UInt8 = 0xBF
    switch c {
    case 0xC2...0xDF: m = 2
    case 0xE0: m = 3; lo = 0xA0
    case 0xE1...0xEC, 0xEE, 0xEF: m = 3
    case 0xED: m = 3; hi = 0x9F
    case 0xF0: m = 4; lo = 0x90
    case 0xF1...0xF3: m = 4
    case 0xF4: m = 4; hi = 0x8F
    default: return 0
    }
    if i + m > n { return 0 }
    if s[i + 1] < lo || s[i + 1] > hi { return 0 }
    for k in 2..<max(2, m) where s[i + k] & 0xC0 != 0x80 { return 0 }
    if c == 0xC2 && s[i + 1] < 0xA0 { return 0 }   // U+0080..U+009F
    return m
}
