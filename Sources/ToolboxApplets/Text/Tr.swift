import ToolboxCore

let trApplet = Applet(spec: AppletSpec(
    name: "tr",
    summary: "Translate, squeeze, and/or delete bytes from standard input, writing to standard output, as GNU tr",
    usage: ["[OPTION...] SET1 [SET2]"],
    details: """
    SETs are strings of bytes: \\NNN (octal), \\\\, \\a \\b \\f \\n \\r \\t \\v, CHAR1-CHAR2 (ascending range),
    [CHAR*] and [CHAR*REPEAT] in SET2, [:alnum:] [:alpha:] [:blank:] [:cntrl:] [:digit:] [:graph:]
    [:lower:] [:print:] [:punct:] [:space:] [:upper:] [:xdigit:], [=CHAR=].
    """,
    options: [
        .flag("c", "complement", "use the complement of SET1"),
        .flag("C", nil, "same as -c"),
        .flag("d", "delete", "delete characters in SET1, do not translate"),
        .flag("s", "squeeze-repeats", "replace each sequence of a repeated character that is listed in the last specified SET with a single occurrence"),
        .flag("t", "truncate-set1", "first truncate SET1 to length of SET2"),
    ], permute: false), run: runTr)

/// One element of a parsed SET.
private enum TrItem { case byte(UInt8), repeatFill(UInt8), repeatN(UInt8, Int), upper, lower }

private func classBytes(_ name: String) -> [UInt8]? {
    let all = (0...255).map { UInt8($0) }
    func f(_ p: (Int32) -> Int32) -> [UInt8] { all.filter { p(Int32($0)) != 0 } }
    switch name {
    case "alnum": return f { isalnum($0) }
    case "alpha": return f { isalpha($0) }
    case "blank": return f { isblank($0) }
    case "cntrl": return f { iscntrl($0) }
    case "digit": return f { isdigit($0) }
    case "graph": return f { isgraph($0) }
    case "lower": return f { islower($0) }
    case "print": return f { isprint($0) }
    case "punct": return f { ispunct($0) }
    case "space": return f { isspace($0) }
    case "upper": return f { isupper($0) }
    case "xdigit": return f { isxdigit($0) }
    default: return nil
    }
}

/// Parses a SET into items (GNU tr's syntax, C locale).
private func parseSet(_ s: String, isSet2: Bool) throws(ToolError) -> [TrItem] {
    let b = Array(s.utf8)
    // First pass: unescape into (byte, wasEscaped).
    var u: [(UInt8, Bool)] = []
    var i = 0
    while i < b.count {
        if b[i] == 0x5C && i + 1 < b.count {
            let c = b[i + 1]
            i += 2
            switch c {
            case 0x61: u.append((7, true))
            case 0x62: u.append((8, true))
            case 0x66: u.append((12, true))
            case 0x6E: u.append((10, true))
            case 0x72: u.append((13, true))
            case 0x74: u.append((9, true))
            case 0x76: u.append((11, true))
            case 0x30...0x37:
                var v = Int(c - 0x30), k = 1
                while k < 3 && i < b.count && b[i] >= 0x30 && b[i] <= 0x37 && v * 8 + Int(b[i] - 0x30) <= 255 {
                    v = v * 8 + Int(b[i] - 0x30); i += 1; k += 1
                }
                u.append((UInt8(v), true))
            default: u.append((c, true))
            }
        } else {
            u.append((b[i], false)); i += 1
        }
    }
    var items: [TrItem] = []
    var k = 0
    while k < u.count {
        let (c, esc) = u[k]
        if c == 0x5B && !esc && k + 1 < u.count {
            // [:class:], [=c=], [c*n]
            if u[k + 1].0 == 0x3A {
                var j = k + 2
                while j + 1 < u.count && !(u[j].0 == 0x3A && u[j + 1].0 == 0x5D) { j += 1 }
                if j + 1 < u.count {
                    let name = String(decoding: u[(k + 2)..<j].map { $0.0 }, as: UTF8.self)
                    if name == "upper" { items.append(.upper) }
                    else if name == "lower" { items.append(.lower) }
                    else {
                        guard let bytes = classBytes(name) else { throw ToolError(exitCode: 1, message: "invalid character class '\(name)'") }
                        for x in bytes { items.append(TrItem.byte(x)) }
                    }
                    k = j + 2
                    continue
                }
            }
            if k + 3 < u.count && u[k + 1].0 == 0x3D && u[k + 3].0 == 0x3D && k + 4 < u.count && u[k + 4].0 == 0x5D {
                items.append(.byte(u[k + 2].0)); k += 5; continue
            }
            if k + 2 < u.count && u[k + 2].0 == 0x2A && !u[k + 2].1 {
                // [c*n] or [c*]
                var j = k + 3
                var digits: [UInt8] = []
                while j < u.count && u[j].0 != 0x5D { digits.append(u[j].0); j += 1 }
                if j < u.count {
                    if !isSet2 { throw ToolError(exitCode: 1, message: "the [c*] repeat construct may not appear in string1") }
                    let text = String(decoding: digits, as: UTF8.self)
                    if text.isEmpty { items.append(.repeatFill(u[k + 1].0)) }
                    else {
                        let n = text.hasPrefix("0") ? Int(text, radix: 8) : Int(text)
                        guard let n else { throw ToolError(exitCode: 1, message: "invalid repeat count '\(text)' in [c*n] construct") }
                        if n == 0 { items.append(.repeatFill(u[k + 1].0)) } else { items.append(.repeatN(u[k + 1].0, n)) }
                    }
                    k = j + 1
                    continue
                }
            }
        }
        if k + 2 < u.count && u[k + 1].0 == 0x2D && !u[k + 1].1 {
            let hi = u[k + 2].0
            if hi < c {
                throw ToolError(exitCode: 1, message: "range-endpoints of '\(trShow(c))-\(trShow(hi))' are in reverse collating sequence order")
            }
            for x in c...hi { items.append(.byte(x)) }
            k += 3
            continue
        }
        items.append(.byte(c))
        k += 1
    }
    return items
}

private func trShow(_ c: UInt8) -> String {
    if c >= 0x20 && c < 0x7F { return String(UnicodeScalar(c)) }
    return "\\" + String(c, radix: 8).leftPad(3)
}
private extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

private func expand(_ items: [TrItem], fillTo: Int?) -> [UInt8] {
    var out: [UInt8] = []
    var fillIndex: Int? = nil
    for it in items {
        switch it {
        case .byte(let b): out.append(b)
        case .upper: out += (0x41...0x5A).map { UInt8($0) }
        case .lower: out += (0x61...0x7A).map { UInt8($0) }
        case .repeatN(let b, let n): out += [UInt8](repeating: b, count: min(n, 1 << 16))
        case .repeatFill(let b): fillIndex = out.count; out.append(b)
        }
    }
    if let fi = fillIndex {
        let target = fillTo ?? out.count
        let extra = max(target - (out.count - 1), 0)
        let b = out[fi]
        out.remove(at: fi)
        out.insert(contentsOf: [UInt8](repeating: b, count: extra), at: fi)
    }
    return out
}

@Sendable
func runTr(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try trApplet.spec.parse(args, usageStatus: 1)
    let complement = p.has("complement") || p.has("C")
    let delete = p.has("delete"), squeeze = p.has("squeeze-repeats"), truncate = p.has("truncate-set1")
    let ops = p.operands
    let needed = (delete && !squeeze) || (squeeze && !delete && ops.count < 2) ? 1 : 2
    if ops.isEmpty { throw trApplet.spec.usageError("missing operand", status: 1) }
    if ops.count < needed {
        if delete && squeeze { throw trApplet.spec.usageError("missing operand after '\(ops[0])'\nTwo strings must be given when both deleting and squeezing repeats.", status: 1) }
        throw trApplet.spec.usageError("missing operand after '\(ops[0])'\nTwo strings must be given when translating.", status: 1)
    }
    if ops.count > needed {
        var msg = "extra operand '\(ops[needed])'"
        if needed == 1 && delete { msg += "\nOnly one string may be given when deleting without squeezing repeats." }
        throw trApplet.spec.usageError(msg, status: 1)
    }
    let items1 = try parseSet(ops[0], isSet2: false)
    var set1 = expand(items1, fillTo: nil)
    if complement {
        var member = [Bool](repeating: false, count: 256)
        for b in set1 { member[Int(b)] = true }
        set1 = (0...255).filter { !member[$0] }.map { UInt8($0) }
    }
    var map = (0...255).map { UInt8($0) }
    var del = [Bool](repeating: false, count: 256)
    var squeezeSet = [Bool](repeating: false, count: 256)
    let translating = !delete && ops.count == 2
    if delete { for b in set1 { del[Int(b)] = true } }
    if translating {
        let items2 = try parseSet(ops[1], isSet2: true)
        var set2 = expand(items2, fillTo: set1.count)
        if set2.isEmpty && !set1.isEmpty { throw ToolError(exitCode: 1, message: "when not truncating set1, string2 must be non-empty") }
        if truncate { if set1.count > set2.count { set1 = Array(set1.prefix(set2.count)) } }
        else if set2.count < set1.count { set2 += [UInt8](repeating: set2.last!, count: set1.count - set2.count) }
        // [:lower:] <-> [:upper:] pairs map case for case, as GNU does.
        for (k, b) in set1.enumerated() { map[Int(b)] = set2[k] }
        if squeeze { for b in set2 { squeezeSet[Int(b)] = true } }
    } else if squeeze {
        let last = ops.count == 2 ? expand(try parseSet(ops[1], isSet2: true), fillTo: nil) : set1
        for b in last { squeezeSet[Int(b)] = true }
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var last: Int = -1
    let out = ctx.out
    while true {
        let n: Int
        do { n = try FileDescriptor.standardInput.read(into: buffer) }
        catch { ctx.out.flush(); throw ToolError.failure("read error: \(error.description)") }
        if n == 0 { break }
        var w = 0
        for i in 0..<n {
            let c = base[i]
            if delete && del[Int(c)] { continue }
            let m = map[Int(c)]
            if squeeze && squeezeSet[Int(m)] && Int(m) == last { continue }
            base[w] = m; w += 1
            last = Int(m)
        }
        out.write(Bytes(start: base, count: w))
        if out.isBroken { break }
    }
    return 0
}
