import ToolboxCore

let cutApplet = Applet(spec: AppletSpec(
    name: "cut",
    summary: "Print selected parts of lines from each FILE (or - for standard input), as GNU cut",
    usage: ["OPTION... [FILE...]"],
    details: "LIST is one or more ranges separated by commas: N, N-M, N- or -M (origin 1). Characters are bytes (the C locale).",
    options: [
        .value("b", "bytes", "LIST", "select only these bytes"),
        .value("c", "characters", "LIST", "select only these characters"),
        .value("d", "delimiter", "DELIM", "use DELIM instead of TAB for field delimiter"),
        .value("f", "fields", "LIST", "select only these fields; also print lines without delimiters, unless -s"),
        .flag("n", nil, "(ignored)"),
        .flag(nil, "complement", "complement the set of selected bytes, characters or fields"),
        .flag("s", "only-delimited", "do not print lines not containing delimiters"),
        .value(nil, "output-delimiter", "STRING", "use STRING as the output delimiter (default: the input delimiter)"),
        .flag("z", "zero-terminated", "line delimiter is NUL, not newline"),
    ]), run: runCut)

/// A parsed LIST: selected positions (1-based) as sorted, merged ranges.
private func parseList(_ s: String, fields: Bool) throws(ToolError) -> [ClosedRange<Int>] {
    var ranges: [ClosedRange<Int>] = []
    let what = fields ? "field" : "byte/character"
    for part in s.split(separator: ",", omittingEmptySubsequences: false) {
        func num(_ t: Substring) throws(ToolError) -> Int {
            guard let n = Int(t) else {
                throw cutUsage("invalid \(what) value \(quoteGNU(String(t)))")
            }
            if n == 0 { throw cutUsage(fields ? "fields are numbered from 1" : "byte/character positions are numbered from 1") }
            return n
        }
        if part.isEmpty { throw cutUsage("invalid range with no endpoint: -") }
        if let dash = part.firstIndex(of: "-") {
            let lo = part[..<dash], hi = part[part.index(after: dash)...]
            if lo.isEmpty && hi.isEmpty { throw cutUsage("invalid range with no endpoint: -") }
            let a = lo.isEmpty ? 1 : try num(lo)
            let b = hi.isEmpty ? Int.max : try num(hi)
            if b < a { throw cutUsage("invalid decreasing range") }
            ranges.append(a...b)
        } else {
            let n = try num(part)
            ranges.append(n...n)
        }
    }
    ranges.sort { $0.lowerBound < $1.lowerBound }
    var merged: [ClosedRange<Int>] = []
    for r in ranges {
        if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
            merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
        } else { merged.append(r) }
    }
    return merged
}

/// GNU cut reports usage errors with exit status 1.
private func cutUsage(_ m: String) -> ToolError {
    ToolError(exitCode: 1, message: m + "\nTry 'toolbox cut --help' for more information.")
}

/// GNU's quoting of an operand in messages: 'text'.
func quoteGNU(_ s: String) -> String { "'\(s)'" }

private func complement(_ r: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
    var out: [ClosedRange<Int>] = []
    var next = 1
    for x in r {
        if x.lowerBound > next { out.append(next...(x.lowerBound - 1)) }
        next = x.upperBound == Int.max ? Int.max : x.upperBound + 1
        if x.upperBound == Int.max { return out }
    }
    out.append(next...Int.max)
    return out
}

@Sendable
func runCut(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try cutApplet.spec.parse(args, usageStatus: 1)
    let modes = [p.value("bytes"), p.value("characters"), p.value("fields")].compactMap { $0 }
    if modes.isEmpty { throw cutUsage("you must specify a list of bytes, characters, or fields") }
    if modes.count > 1 { throw cutUsage("only one type of list may be specified") }
    let byFields = p.value("fields") != nil
    var ranges = try parseList(modes[0], fields: byFields)
    if p.has("complement") { ranges = complement(ranges) }
    var delim: UInt8 = ASCII.tab
    if let d = p.value("delimiter") {
        if !byFields { throw cutUsage("an input delimiter may be specified only when operating on fields") }
        let b = Array(d.utf8)
        if b.count > 1 { throw cutUsage("the delimiter must be a single character") }
        delim = b.first ?? 0
    }
    if p.has("only-delimited") && !byFields {
        throw cutUsage("suppressing non-delimited lines makes sense\n\tonly when operating on fields")
    }
    let onlyDelimited = p.has("only-delimited")
    let outDelim: [UInt8] = p.value("output-delimiter").map { Array($0.utf8) } ?? (byFields ? [delim] : [])
    let explicitOutDelim = p.value("output-delimiter") != nil
    let eol: UInt8 = p.has("zero-terminated") ? 0 : ASCII.newline
    let session = FileSession(ctx, verbose: false)
    let out = ctx.out
    for op in p.operands.isEmpty ? ["-"] : p.operands {
        guard let fd = session.openInput(op) else { continue }
        defer { closeInput(fd) }
        let reader = LineReader(fd, delimiter: eol)
        while let line = reader.next() {
            let n = line.count
            if byFields {
                guard memchr(line.baseAddress ?? UnsafePointer(bitPattern: 1)!, Int32(delim), n) != nil, n > 0 else {
                    if !onlyDelimited { out.write(line); out.byte(eol) }
                    continue
                }
                var field = 1, start = 0, first = true
                var ri = 0
                var i = 0
                while i <= n {
                    if i == n || line[i] == delim {
                        while ri < ranges.count && ranges[ri].upperBound < field { ri += 1 }
                        if ri < ranges.count && ranges[ri].contains(field) {
                            if !first { out.write(outDelim) }
                            out.write(Bytes(rebasing: line[start..<i]))
                            first = false
                        }
                        if ri >= ranges.count { break }
                        field += 1; start = i + 1
                    }
                    i += 1
                }
            } else {
                var prevEnd = -1
                for r in ranges {
                    if r.lowerBound > n { break }
                    let lo = r.lowerBound - 1, hi = min(r.upperBound, n)
                    if explicitOutDelim && prevEnd >= 0 { out.write(outDelim) }
                    out.write(Bytes(rebasing: line[lo..<hi]))
                    prevEnd = hi
                }
            }
            out.byte(eol)
            if out.isBroken { break }
        }
        if let e = reader.error { ctx.out.flush(); ctx.warn("\(op): \(e.description)") }
    }
    return 0
}
