import ToolboxCore

// printf FORMAT [ARG...]: the format is reused until the arguments are used
// up; numeric conversions go through snprintf(3) (cFormatted) with the parsed flags.

public func printfCommand(_ args: [String], out: OutputWriter, warn: (String) -> Void, dialect: UtilityDialect) -> Int32 {
    var args = args[...]
    if dialect == .gnu, args.first == "--" { args = args.dropFirst() }
    guard let format = args.first else {
        warn(dialect == .gnu ? "missing operand" : "usage: printf format [arg ...]")
        return dialect == .gnu ? 1 : 2
    }
    var rest = Array(args.dropFirst())
    var argIndex = 0
    var status: Int32 = 0
    let f = Array(format.utf8)

    func nextArg() -> String? {
        if argIndex < rest.count { argIndex += 1; return rest[argIndex - 1] }
        return nil
    }
    func quoteForError(_ s: String) -> String { dialect == .gnu ? "'\(s)'" : s }

    func integer(_ s: String?, unsigned: Bool) -> (Int64, UInt64) {
        guard let s, !s.isEmpty else { return (0, 0) }
        let u = Array(s.utf8)
        if u[0] == 39 || u[0] == 34 {
            if u.count < 2 { return (0, 0) }
            let scalar = String(decoding: u[1...], as: UTF8.self).unicodeScalars.first.map { Int64($0.value) } ?? 0
            return (scalar, UInt64(bitPattern: scalar))
        }
        var end: UnsafeMutablePointer<CChar>? = nil
        errno = 0
        let (sv, uv, consumed): (Int64, UInt64, Int) = s.withCString { p in
            if unsigned {
                let v = strtoull(p, &end, 0)
                return (Int64(bitPattern: UInt64(v)), UInt64(v), end.map { $0 - UnsafeMutablePointer(mutating: p) } ?? 0)
            }
            let v = strtoll(p, &end, 0)
            return (Int64(v), UInt64(bitPattern: Int64(v)), end.map { $0 - UnsafeMutablePointer(mutating: p) } ?? 0)
        }
        if consumed == 0 {
            warn(dialect == .gnu ? "\(quoteForError(s)): expected a numeric value" : "\(s): expected numeric value")
            status = 1
            return (0, 0)
        }
        if consumed < u.count {
            warn(dialect == .gnu ? "\(quoteForError(s)): value not completely converted" : "\(s): not completely converted")
            status = 1
        } else if errno == ERANGE {
            warn("\(quoteForError(s)): \(Errno(ERANGE).description)")
            status = 1
        }
        return (sv, uv)
    }

    func double(_ s: String?) -> Double {
        guard let s, !s.isEmpty else { return 0 }
        let u = Array(s.utf8)
        if u[0] == 39 || u[0] == 34 {
            return Double(String(decoding: u[1...], as: UTF8.self).unicodeScalars.first?.value ?? 0)
        }
        var end: UnsafeMutablePointer<CChar>? = nil
        let (v, consumed): (Double, Int) = s.withCString { p in
            let v = strtod(p, &end)
            return (v, end.map { $0 - UnsafeMutablePointer(mutating: p) } ?? 0)
        }
        if consumed == 0 {
            warn(dialect == .gnu ? "\(quoteForError(s)): expected a numeric value" : "\(s): expected numeric value"); status = 1
        } else if consumed < u.count {
            warn(dialect == .gnu ? "\(quoteForError(s)): value not completely converted" : "\(s): not completely converted"); status = 1
        }
        return v
    }

    repeat {
        let startIndex = argIndex
        var i = 0
        while i < f.count {
            let c = f[i]
            if c == 92 {
                // an escape in the format
                var j = i + 1
                if j < f.count {
                    let d = f[j]
                    if d >= 48 && d <= 55 {
                        var v = 0, n = 0
                        while n < 3, j < f.count, f[j] >= 48 && f[j] <= 55 { v = v * 8 + Int(f[j] - 48); j += 1; n += 1 }
                        out.byte(UInt8(truncatingIfNeeded: v)); i = j; continue
                    }
                    if d == UInt8(ascii: "c") {
                        if dialect == .gnu { return status }
                        out.byte(92); out.byte(d); i = j + 1; continue   // dash: not an escape in the format
                    }
                    var k = j + 1
                    if dialect == .gnu && (d == UInt8(ascii: "x") || d == UInt8(ascii: "u") || d == UInt8(ascii: "U")) {
                        let maxDigits = d == UInt8(ascii: "x") ? 2 : (d == UInt8(ascii: "u") ? 4 : 8)
                        var n = 0
                        while n < maxDigits, k < f.count, hexValue(f[k]) != nil { k += 1; n += 1 }
                    }
                    writeEscaped(String(decoding: f[i..<k], as: UTF8.self), to: out, octalNeedsZero: false, allowHexAndUnicode: dialect == .gnu)
                    i = k
                } else { out.byte(92); i += 1 }
                continue
            }
            if c != 37 { out.byte(c); i += 1; continue }
            // a conversion
            var j = i + 1
            if j < f.count && f[j] == 37 { out.byte(37); i = j + 1; continue }
            var flags = ""
            while j < f.count, [45, 43, 32, 35, 48, 39].contains(f[j]) { flags.append(Character(UnicodeScalar(f[j]))); j += 1 }
            var widthText = ""
            if j < f.count && f[j] == 42 { widthText = String(integer(nextArg(), unsigned: false).0); j += 1 }
            else { while j < f.count, isDigit(f[j]) { widthText.append(Character(UnicodeScalar(f[j]))); j += 1 } }
            var spec = "%" + flags + widthText
            let headCount = spec.utf8.count
            var precision: Int? = nil
            if j < f.count && f[j] == 46 {
                spec += "."; j += 1
                if j < f.count && f[j] == 42 {
                    // a negative precision from an argument is taken as
                    // omitted (C, dash); it once trapped in pad()
                    let p = integer(nextArg(), unsigned: false).0
                    if p >= 0 { spec += String(p); precision = Int(p) } else { spec.removeLast() }
                    j += 1
                }
                else {
                    var p = 0
                    // saturating past INT_MAX, where printf(3) fails and writes
                    // nothing (`%.99999999999999999999d` trapped here: shellbuiltins fuzz target)
                    while j < f.count, isDigit(f[j]) {
                        spec.append(Character(UnicodeScalar(f[j])))
                        if p <= Int(Int32.max) { p = p * 10 + Int(f[j] - 48) }
                        j += 1
                    }
                    precision = p
                }
            }
            while j < f.count, [104, 108, 76, 106, 122, 116].contains(f[j]) { j += 1 }
            guard j < f.count else {
                warn(dialect == .gnu ? "\(String(decoding: f[i..<j], as: UTF8.self)): invalid conversion specification" : "missing format character")
                return dialect == .gnu ? 1 : 2
            }
            let conv = f[j]
            j += 1
            // A field wider than streamedWidth (up to INT_MAX): the number is
            // formatted without the width and the padding streamed, as
            // stdio streams it for GNU printf and dash; a 2 GB field never
            // becomes a 2 GB buffer (the shellbuiltins fuzz target's
            // `%0000180351254o` held 1.3 GB).
            let wide = wideField(flags: flags, width: widthText)
            let narrow = wide == nil ? spec : "%" + flags.filter { $0 != "-" && $0 != "0" } + String(spec.utf8.dropFirst(headCount))!
            func number(_ body: String, integer: Bool) {
                guard let wide else { out.write(body); return }
                // past INT_MAX snprintf failed and the body is empty: no
                // field at all, as on the narrow path
                if let p = precision, p > Int(Int32.max) { return }
                // where C puts the zeros of the 0 flag: after the sign and a
                // 0x prefix; none with an integer precision or for inf/nan
                var zeroAt: Int? = nil
                if flags.contains("0") && !wide.left && !(integer && precision != nil) {
                    let b = Array(body.utf8)
                    var k = 0
                    if k < b.count, b[k] == 43 || b[k] == 45 || b[k] == 32 { k += 1 }
                    if k + 1 < b.count, b[k] == 48, b[k + 1] == 120 || b[k + 1] == 88 { k += 2 }
                    if integer || (k < b.count && isDigit(b[k])) { zeroAt = k }
                }
                writePadded(out, body, width: wide.width, left: wide.left, zeroAt: zeroAt)
            }
            switch conv {
            case UInt8(ascii: "d"), UInt8(ascii: "i"):
                number(cFormatted(narrow + "lld", integer(nextArg(), unsigned: false).0), integer: true)
            case UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "x"), UInt8(ascii: "X"):
                number(cFormatted(narrow + "ll" + String(UnicodeScalar(conv)), integer(nextArg(), unsigned: true).1), integer: true)
            case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "f"), UInt8(ascii: "F"),
                 UInt8(ascii: "g"), UInt8(ascii: "G"), UInt8(ascii: "a"), UInt8(ascii: "A"):
                number(cFormatted(narrow + String(UnicodeScalar(conv)), double(nextArg())), integer: false)
            case UInt8(ascii: "c"):
                let s = nextArg() ?? ""
                let first = s.utf8.first.map { String(decoding: [$0], as: UTF8.self) } ?? ""
                pad(out, first, spec, nil, isChar: s.isEmpty)
            case UInt8(ascii: "s"):
                pad(out, nextArg() ?? "", spec, precision, isChar: false)
            case UInt8(ascii: "b"):
                let tmp = OutputWriter.memory()
                let goOn = writeEscaped(nextArg() ?? "", to: tmp, octalNeedsZero: true, allowHexAndUnicode: dialect == .gnu)
                tmp.flush()
                pad(out, tmp.capturedString, spec, precision, isChar: false)
                if !goOn { return status }
            case UInt8(ascii: "q") where dialect == .gnu:
                pad(out, shellQuote(nextArg() ?? ""), spec, precision, isChar: false)
            default:
                let directive = String(decoding: f[i..<j], as: UTF8.self)
                warn(dialect == .gnu ? "\(directive): invalid conversion specification" : "\(directive): invalid directive")
                return dialect == .gnu ? 1 : 2
            }
            i = j
        }
        if argIndex == startIndex { break }
    } while argIndex < rest.count
    rest.removeAll()
    return status
}

/// Fields up to this width are formatted whole; wider ones are padded by
/// streaming (`OutputWriter.fill`).
let streamedWidth = 4096

/// The width and side of a field wider than `streamedWidth` (and within
/// INT_MAX, past which printf(3) fails and writes nothing); nil otherwise.
/// `width` is the digits of the format or a `*` argument's value, which may
/// carry a `-` (left-justified).
private func wideField(flags: String, width: String) -> (width: Int, left: Bool)? {
    var t = Substring(width), left = flags.contains("-")
    if t.first == "-" { left = true; t = t.dropFirst() }
    guard t.utf8.count >= 4, let w = Int(t), w > streamedWidth, w <= Int(Int32.max) else { return nil }
    return (w, left)
}

/// `body` in a field of `width` bytes: spaces after it (left), zeros at
/// `zeroAt`, or spaces before it; the padding streamed.
private func writePadded(_ out: OutputWriter, _ body: String, width: Int, left: Bool, zeroAt: Int?) {
    let n = width - body.utf8.count
    if left { out.write(body); out.fill(32, n); return }
    if let z = zeroAt {
        out.write(String(body.utf8.prefix(z))!); out.fill(48, n); out.write(String(body.utf8.dropFirst(z))!)
        return
    }
    out.fill(32, n); out.write(body)
}

/// Width and precision for %s/%c/%b, by bytes as C does; the padding streamed.
private func pad(_ out: OutputWriter, _ s: String, _ spec: String, _ precision: Int?, isChar: Bool) {
    var body = Array(s.utf8)
    // past INT_MAX printf(3) fails with EOVERFLOW and writes nothing
    if let p = precision, p > Int(Int32.max) { return }
    if let p = precision, p < body.count { body = Array(body[0..<p]) }
    if isChar { body = [0] }
    let flags = spec.dropFirst()
    let left = flags.contains("-")
    var width = 0
    var seenDot = false
    var digits = ""
    for ch in flags {
        if ch == "." { seenDot = true }
        if !seenDot, ch.isNumber, !(digits.isEmpty && ch == "0") { digits.append(ch) }
        else if !seenDot, ch.isNumber, !digits.isEmpty { digits.append(ch) }
    }
    width = Int(digits) ?? 0
    // past INT_MAX printf(3) fails with EOVERFLOW and writes nothing
    if width > Int(Int32.max) { return }
    if left { out.write(body); out.fill(32, width - body.count) } else { out.fill(32, width - body.count); out.write(body) }
}

/// A shell-quoted form, as GNU printf %q.
func shellQuote(_ s: String) -> String {
    if s.isEmpty { return "''" }
    let safe = s.utf8.allSatisfy { isNameChar($0) || $0 == 47 || $0 == 46 || $0 == 45 || $0 == 44 || $0 == 58 || $0 == 43 || $0 == 61 || $0 == 64 || $0 == 37 }
    if safe { return s }
    return "'" + s.replacingAll("'", "'\\''") + "'"
}
