import ToolboxCore

let seqApplet = Applet(spec: AppletSpec(
    name: "seq",
    summary: "Print numbers from FIRST to LAST, in steps of INCREMENT (GNU seq)",
    usage: ["[OPTION]... LAST", "[OPTION]... FIRST LAST", "[OPTION]... FIRST INCREMENT LAST"],
    details: """
    FIRST and INCREMENT default to 1. Numbers are long doubles printed as GNU seq
    does: %.PRECf where PREC is the most digits after the point in FIRST or
    INCREMENT, %g for other forms; -f takes one %e, %f, %g or %a directive.
    """,
    options: [
        .value("f", "format", "FORMAT", "use printf style floating-point FORMAT"),
        .value("s", "separator", "STRING", "use STRING to separate numbers (default: \\n)"),
        .flag("w", "equal-width", "equalize width by padding with leading zeroes"),
    ]), run: runSeq)

#if arch(x86_64) || arch(i386)
typealias SeqFloat = Float80
private let lengthModifier = "L"
private func parseFloat(_ s: UnsafePointer<CChar>, _ end: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> SeqFloat { strtold(s, end) }
#else
typealias SeqFloat = Double
private let lengthModifier = ""
private func parseFloat(_ s: UnsafePointer<CChar>, _ end: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> SeqFloat { strtod(s, end) }
#endif

/// An operand with the width and precision it would print with (GNU scan_arg).
struct SeqOperand {
    var value: SeqFloat
    var width: Int
    /// Digits after the point; Int.max when it is not fixed-point.
    var precision: Int
}

/// strtold over the whole string (leading blanks allowed, nothing after).
func strictLongDouble(_ s: String) -> SeqFloat? {
    s.withCString { p -> SeqFloat? in
        var end: UnsafeMutablePointer<CChar>? = nil
        errno = 0
        let v = parseFloat(p, &end)
        guard let end, end != UnsafeMutablePointer(mutating: p), end.pointee == 0 else { return nil }
        return v
    }
}

func scanSeqOperand(_ arg: String) throws(ToolError) -> SeqOperand {
    let spec = seqApplet.spec
    guard let v = strictLongDouble(arg) else {
        throw spec.usageError("invalid floating point argument: '\(arg)'", exit: ExitCode.failure)
    }
    if v.isNaN { throw spec.usageError("invalid 'not-a-number' argument: '\(arg)'", exit: ExitCode.failure) }
    var a = Array(arg.utf8)
    while let c = a.first, ASCII.isSpace(c) || c == 0x2B { a.removeFirst() }
    var op = SeqOperand(value: v, width: a.count, precision: Int.max)
    guard !a.contains(where: { $0 == 0x78 || $0 == 0x58 }), v.isFinite else { return op }
    let dot = a.firstIndex(of: 0x2E)
    let eIndex = a.firstIndex(where: { $0 == 0x65 || $0 == 0x45 })
    if let dot {
        let fraction = (eIndex ?? a.count) - dot - 1
        op.precision = fraction
        if fraction == 0 { op.width -= 1 }                                  // "1." prints as "1"
        else if dot == 0 || !ASCII.isDigit(a[dot - 1]) { op.width += 1 }     // ".5" as "0.5"
    } else {
        op.precision = 0
    }
    if let e = eIndex {
        let expText = String(decoding: a[(e + 1)...], as: UTF8.self)
        var exponent = Int(expText) ?? 0
        op.precision += exponent < 0 ? -exponent : -min(op.precision, exponent)
        op.width -= a.count - e
        if exponent < 0 {
            if let dot { if e == dot + 1 { op.width += 1 } } else { op.width += 1 }
            exponent = -exponent
        } else {
            if dot != nil && op.precision == 0 && op.width != 0 { op.width -= 1 }
            exponent = -min(op.precision, exponent)
        }
        op.width += exponent
    }
    return op
}

/// Checks a user FORMAT (one floating directive) and adds the long double
/// length modifier; returns it with the lengths of its fixed prefix and suffix.
func seqFormat(_ fmt: String) throws(ToolError) -> (format: String, prefix: Int, suffix: Int) {
    let f = Array(fmt.utf8) + [0]
    var i = 0, prefix = 0
    while !(f[i] == 0x25 && f[i + 1] != 0x25) {
        if f[i] == 0 { throw ToolError.failure("format '\(fmt)' has no % directive") }
        prefix += 1
        i += f[i] == 0x25 ? 2 : 1
    }
    i += 1
    while f[i] != 0, "-+#0 '".utf8.contains(f[i]) { i += 1 }
    while ASCII.isDigit(f[i]) { i += 1 }
    if f[i] == 0x2E { i += 1; while ASCII.isDigit(f[i]) { i += 1 } }
    let modifierAt = i
    let hasL = f[i] == 0x4C
    if hasL { i += 1 }
    if f[i] == 0 { throw ToolError.failure("format '\(fmt)' ends in %") }
    guard "efgaEFGA".utf8.contains(f[i]) else {
        throw ToolError.failure("format '\(fmt)' has unknown %\(String(decoding: [f[i]], as: UTF8.self)) directive")
    }
    i += 1
    var suffix = 0
    while f[i] != 0 {
        if f[i] == 0x25 && f[i + 1] != 0x25 { throw ToolError.failure("format '\(fmt)' has too many % directives") }
        suffix += 1
        i += f[i] == 0x25 ? 2 : 1
    }
    let out = String(decoding: f[..<modifierAt], as: UTF8.self) + lengthModifier
        + String(decoding: f[(modifierAt + (hasL ? 1 : 0))..<(f.count - 1)], as: UTF8.self)
    return (out, prefix, suffix)
}

@Sendable
func runSeq(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = seqApplet.spec
    let (optionArgs, operands) = spec.splitAtFirstOperand(args, stop: looksNegativeNumber)
    let p = try spec.parse(optionArgs, usageExit: ExitCode.failure)
    let all = p.operands + operands
    if all.isEmpty { throw spec.usageError("missing operand", exit: ExitCode.failure) }
    if all.count > 3 { throw spec.usageError("extra operand '\(all[3])'", exit: ExitCode.failure) }
    let equalWidth = p.has("equal-width")
    let userFormat = p.value("format")
    if userFormat != nil && equalWidth {
        throw spec.usageError("format string may not be specified when printing equal width strings", exit: ExitCode.failure)
    }
    let one = SeqOperand(value: 1, width: 1, precision: 0)
    let last = try scanSeqOperand(all[all.count - 1])
    let first = all.count >= 2 ? try scanSeqOperand(all[0]) : one
    let step = all.count == 3 ? try scanSeqOperand(all[1]) : one
    if step.value == 0 { throw spec.usageError("invalid Zero increment value: '\(all[1])'", exit: ExitCode.failure) }
    let separator = Array((p.value("separator") ?? "\n").utf8)

    var format: String, prefix = 0, suffix = 0
    if let userFormat {
        (format, prefix, suffix) = try seqFormat(userFormat)
    } else {
        let prec = max(first.precision, step.precision)
        format = "%\(lengthModifier)g"
        if prec != Int.max && last.precision != Int.max {
            if equalWidth {
                var firstWidth = first.width + (prec - first.precision)
                var lastWidth = last.width + (prec - last.precision)
                if last.precision != 0 && prec == 0 { lastWidth -= 1 }
                if last.precision == 0 && prec != 0 { lastWidth += 1 }
                if first.precision == 0 && prec != 0 { firstWidth += 1 }
                format = "%0\(max(firstWidth, lastWidth)).\(prec)\(lengthModifier)f"
            } else {
                format = "%.\(prec)\(lengthModifier)f"
                // Integers that fit: print them without printf.
                if prec == 0, let a = Int64(exactly: first.value), let s = Int64(exactly: step.value), let b = Int64(exactly: last.value),
                   a.magnitude < 1 << 60, s.magnitude < 1 << 60, b.magnitude < 1 << 60 {
                    seqIntegers(ctx.out, a, s, b, separator)
                    return ExitCode.success
                }
            }
        }
    }
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
    defer { buffer.deallocate() }
    func render(_ x: SeqFloat) -> [UInt8] {
        let n = withVaList([x]) { vsnprintf(buffer, 4096, format, $0) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: Int(max(0, min(n, 4095)))))
    }
    var outOfRange = step.value < 0 ? first.value < last.value : last.value < first.value
    if outOfRange { return ExitCode.success }
    var x = first.value
    var i: SeqFloat = 1
    while true {
        let x0 = x
        let text = render(x)
        ctx.out.write(text)
        if ctx.out.isBroken || outOfRange { break }
        x = first.value + i * step.value
        i += 1
        outOfRange = step.value < 0 ? x < last.value : last.value < x
        if outOfRange {
            // GNU: print one more when it prints as LAST and differs from the previous.
            let xs = render(x)
            let core = String(decoding: xs[min(prefix, xs.count)..<max(min(prefix, xs.count), xs.count - suffix)], as: UTF8.self)
            if let v = strictLongDouble(core), v == last.value, render(x0) != xs {
                ctx.out.write(separator)
                continue
            }
            break
        }
        ctx.out.write(separator)
    }
    ctx.out.byte(ASCII.newline)
    return ExitCode.success
}

private func seqIntegers(_ out: OutputWriter, _ first: Int64, _ step: Int64, _ last: Int64, _ sep: [UInt8]) {
    if step > 0 ? first > last : first < last { return }
    var x = first
    out.decimal(x)
    while !out.isBroken {
        let (next, overflow) = x.addingReportingOverflow(step)
        if overflow || (step > 0 ? next > last : next < last) { break }
        x = next
        out.write(sep)
        out.decimal(x)
    }
    out.byte(ASCII.newline)
}
