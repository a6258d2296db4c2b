import ToolboxCore

let uniqApplet = Applet(spec: AppletSpec(
    name: "uniq",
    summary: "Filter adjacent matching lines from INPUT (or standard input), writing to OUTPUT (or standard output), as GNU uniq",
    usage: ["[OPTION...] [INPUT [OUTPUT]]"],
    options: [
        .flag("c", "count", "prefix lines by the number of occurrences"),
        .flag("d", "repeated", "only print duplicate lines, one for each group"),
        .flag("u", "unique", "only print unique lines"),
        .flag("i", "ignore-case", "ignore differences in case when comparing"),
        .value("f", "skip-fields", "N", "avoid comparing the first N fields"),
        .value("s", "skip-chars", "N", "avoid comparing the first N characters"),
        .value("w", "check-chars", "N", "compare no more than N characters in lines"),
        .flag("z", "zero-terminated", "line delimiter is NUL, not newline"),
    ]), run: runUniq)

@Sendable
func runUniq(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try uniqApplet.spec.parse(args, usageStatus: 1)
    func count(_ key: String, _ what: String) throws(ToolError) -> Int {
        guard let v = p.value(key) else { return key == "check-chars" ? Int.max : 0 }
        guard let n = parseCount(Substring(v)) else { throw ToolError(exitCode: 1, message: "\(v): invalid number of \(what)") }
        return n
    }
    let skipFields = try count("skip-fields", "fields to skip")
    let skipChars = try count("skip-chars", "bytes to skip")
    let checkChars = try count("check-chars", "bytes to compare")
    let counts = p.has("count"), repeated = p.has("repeated"), uniqueOnly = p.has("unique")
    let ignoreCase = p.has("ignore-case")
    let eol: UInt8 = p.has("zero-terminated") ? 0 : ASCII.newline
    if p.operands.count > 2 { throw uniqApplet.spec.usageError("extra operand '\(p.operands[2])'", status: 1) }
    let session = FileSession(ctx, verbose: false)
    let input = p.operands.first ?? "-"
    guard let fd = session.openInput(input) else { return 1 }
    defer { closeInput(fd) }
    var out = ctx.out
    var outFD: FileDescriptor? = nil
    if p.operands.count == 2, p.operands[1] != "-" {
        do { outFD = try FileDescriptor.open(p.operands[1], O_WRONLY | O_CREAT | O_TRUNC, mode: 0o666) }
        catch { throw ToolError.failure("\(p.operands[1]): \(error.description)") }
        out = OutputWriter(.fd(outFD!))
    }
    defer { outFD?.close() }

    /// The compared part of a line: after skipped fields and characters, at most checkChars.
    func keyRange(_ l: Bytes) -> Range<Int> {
        var i = 0
        for _ in 0..<skipFields {
            if i >= l.count { break }
            while i < l.count && (l[i] == 0x20 || l[i] == 0x09) { i += 1 }
            while i < l.count && !(l[i] == 0x20 || l[i] == 0x09) { i += 1 }
        }
        i += min(skipChars, l.count - i)
        return i..<(i + min(checkChars, l.count - i))
    }
    func same(_ a: [UInt8], _ b: Bytes) -> Bool {
        let ra = a.withUnsafeBufferPointer { keyRange($0) }, rb = keyRange(b)
        if ra.count != rb.count { return false }
        return a.withUnsafeBufferPointer { ab in
            if ignoreCase {
                for k in 0..<ra.count {
                    var x = ab[ra.lowerBound + k], y = b[rb.lowerBound + k]
                    if x >= 0x41 && x <= 0x5A { x += 0x20 }
                    if y >= 0x41 && y <= 0x5A { y += 0x20 }
                    if x != y { return false }
                }
                return true
            }
            return ra.isEmpty || memcmp(ab.baseAddress! + ra.lowerBound, b.baseAddress! + rb.lowerBound, ra.count) == 0
        }
    }
    var current: [UInt8] = []
    var have = false
    var n = 0
    func flush() {
        guard have else { return }
        if (repeated && n < 2) || (uniqueOnly && n > 1) { return }
        if counts { out.decimal(n, width: 7); out.byte(ASCII.space) }
        out.write(current); out.byte(eol)
    }
    let reader = LineReader(fd, delimiter: eol)
    while let line = reader.next() {
        if have && same(current, line) { n += 1; continue }
        flush()
        current.removeAll(keepingCapacity: true)
        current.append(contentsOf: line)
        have = true; n = 1
        if out.isBroken { break }
    }
    flush()
    out.flush()
    if let e = reader.error { ctx.warn("\(input): \(e.description)") }
    return 0
}
