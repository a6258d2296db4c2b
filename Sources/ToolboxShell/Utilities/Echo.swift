import ToolboxCore

// echo, printf and test are one implementation each, used by the shell as
// builtins (dash's behaviour) and by the applets of the same names (GNU
// coreutils' behaviour). `UtilityDialect` names the differences.

public enum UtilityDialect: Sendable {
    /// dash builtins: echo interprets escapes and knows only -n; errors `sh: LINE: NAME: ...`.
    case dash
    /// GNU coreutils: echo -n -e -E (escapes off by default); GNU wording.
    case gnu
}

/// Backslash escapes of echo -e, printf's format and %b. Returns false when
/// `\c` stopped the output. `octalNeedsZero`: %b and echo take `\0NNN`.
@discardableResult
func writeEscaped(_ s: String, to out: OutputWriter, octalNeedsZero: Bool, allowHexAndUnicode: Bool) -> Bool {
    let u = Array(s.utf8)
    var i = 0
    while i < u.count {
        let c = u[i]
        if c != 92 || i + 1 >= u.count { out.byte(c); i += 1; continue }
        let d = u[i + 1]
        i += 2
        switch d {
        case UInt8(ascii: "a"): out.byte(7)
        case UInt8(ascii: "b"): out.byte(8)
        case UInt8(ascii: "c"): return false
        case UInt8(ascii: "e"): out.byte(27)
        case UInt8(ascii: "f"): out.byte(12)
        case UInt8(ascii: "n"): out.byte(10)
        case UInt8(ascii: "r"): out.byte(13)
        case UInt8(ascii: "t"): out.byte(9)
        case UInt8(ascii: "v"): out.byte(11)
        case 92: out.byte(92)
        case UInt8(ascii: "x") where allowHexAndUnicode:
            var v = 0, n = 0
            while n < 2, i < u.count, let h = hexValue(u[i]) { v = v * 16 + h; i += 1; n += 1 }
            if n == 0 { out.byte(92); out.byte(d) } else { out.byte(UInt8(v)) }
        case UInt8(ascii: "u") where allowHexAndUnicode, UInt8(ascii: "U") where allowHexAndUnicode:
            var v = 0, n = 0
            let maxDigits = d == UInt8(ascii: "u") ? 4 : 8
            while n < maxDigits, i < u.count, let h = hexValue(u[i]) { v = v * 16 + h; i += 1; n += 1 }
            if n == 0 { out.byte(92); out.byte(d) }
            else if let scalar = UnicodeScalar(UInt32(v)) { out.write(String(Character(scalar))) }
        case 48...55:
            // \0NNN (echo, %b) or \NNN: up to three octal digits
            var v = 0, n = 0
            if !(octalNeedsZero && d == 48) { i -= 1 }
            while n < 3, i < u.count, u[i] >= 48 && u[i] <= 55 { v = v * 8 + Int(u[i] - 48); i += 1; n += 1 }
            out.byte(UInt8(truncatingIfNeeded: v))
        default:
            out.byte(92); out.byte(d)
        }
    }
    return true
}

func hexValue(_ c: UInt8) -> Int? {
    if c >= 48 && c <= 57 { return Int(c) - 48 }
    if c >= 97 && c <= 102 { return Int(c) - 87 }
    if c >= 65 && c <= 70 { return Int(c) - 55 }
    return nil
}

/// echo ARGS (without the command name).
public func echoCommand(_ args: [String], out: OutputWriter, dialect: UtilityDialect) -> Int32 {
    var newline = true
    var escapes = dialect == .dash
    var i = 0
    if dialect == .dash {
        if args.first == "-n" { newline = false; i = 1 }
    } else {
        // GNU: leading arguments made only of n, e, E after '-' are options
        while i < args.count {
            let a = Array(args[i].utf8)
            guard a.count > 1, a[0] == 45, a.dropFirst().allSatisfy({ $0 == 110 || $0 == 101 || $0 == 69 }) else { break }
            for c in a.dropFirst() {
                if c == 110 { newline = false } else if c == 101 { escapes = true } else { escapes = false }
            }
            i += 1
        }
    }
    while i < args.count {
        if escapes {
            if !writeEscaped(args[i], to: out, octalNeedsZero: true, allowHexAndUnicode: dialect == .gnu) { return 0 }
        } else {
            out.write(args[i])
        }
        i += 1
        if i < args.count { out.byte(32) }
    }
    if newline { out.byte(10) }
    return 0
}
