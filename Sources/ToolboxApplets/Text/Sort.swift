import ToolboxCore

let sortApplet = Applet(spec: AppletSpec(
    name: "sort",
    summary: "Write the sorted concatenation of the FILEs, byte-identical to GNU sort in the C locale",
    usage: ["[OPTION...] [FILE...]"],
    details: """
    KEYDEF is F[.C][OPTS][,F[.C][OPTS]] for start and stop position, where F is a field number and
    C a character position in the field, both origin 1; OPTS are one or more of b d f g h i n r V,
    which override the global ordering options for that key. Lines that compare equal on every key
    are ordered by all their bytes unless -s or -u is given (GNU's last-resort comparison).
    Everything is sorted in memory, on one thread.
    """,
    options: [
        .flag("b", "ignore-leading-blanks", "ignore leading blanks"),
        .flag("d", "dictionary-order", "consider only blanks and alphanumeric characters"),
        .flag("f", "ignore-case", "fold lower case to upper case characters"),
        .flag("g", "general-numeric-sort", "compare according to general numerical value"),
        .flag("i", "ignore-nonprinting", "consider only printable characters"),
        .flag("h", "human-numeric-sort", "compare human readable numbers (e.g., 2K 1G)"),
        .flag("n", "numeric-sort", "compare according to string numerical value"),
        .flag("r", "reverse", "reverse the result of comparisons"),
        .flag("V", "version-sort", "natural sort of (version) numbers within text"),
        .flag("c", "check", "check for sorted input; do not sort"),
        .flag("C", nil, "like -c, but do not report first bad line"),
        .value("k", "key", "KEYDEF", "sort via a key; KEYDEF gives location and type"),
        .value("o", "output", "FILE", "write result to FILE instead of standard output"),
        .flag("s", "stable", "stabilize sort by disabling last-resort comparison"),
        .value("t", "field-separator", "SEP", "use SEP instead of non-blank to blank transition"),
        .flag("u", "unique", "output only the first of an equal run"),
        .flag("z", "zero-terminated", "line delimiter is NUL, not newline"),
        .value("S", "buffer-size", "SIZE", "accepted for compatibility; ignored"),
        .value(nil, "parallel", "N", "accepted for compatibility; sorting uses one thread"),
    ]), run: runSort)

/// A line of the input: where it is, and (for plain byte order) its first
/// 8 bytes big-endian, so most comparisons touch no line memory.
struct SortLine {
    var prefix: UInt64
    var start: Int
    var count: Int
}

private func applyOptions(_ letters: Substring, to key: inout SortKey, start: Bool) -> Bool {
    for c in letters {
        switch c {
        case "b": if start { key.skipStartBlanks = true } else { key.skipEndBlanks = true }
        case "d": key.dictionary = true
        case "f": key.fold = true
        case "g": key.general = true
        case "h": key.human = true
        case "i": key.nonPrinting = true
        case "n": key.numeric = true
        case "r": key.reverse = true
        case "V": key.version = true
        default: return false
        }
    }
    return true
}

/// Parses a -k KEYDEF as GNU sort does (messages included).
private func parseKey(_ spec: String) throws(ToolError) -> SortKey {
    var key = SortKey()
    func bad(_ what: String) -> ToolError { ToolError(exitCode: 2, message: "\(what): invalid field specification '\(spec)'") }
    func number(_ s: inout Substring) -> Int? {
        var digits = Substring()
        while let c = s.first, c.isASCII, c.isNumber { digits.append(c); s = s.dropFirst() }
        if digits.isEmpty { return nil }
        return Int(digits) ?? Int.max
    }
    let parts = spec.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
    var s = parts[0]
    guard let f = number(&s) else { throw ToolError(exitCode: 2, message: "invalid number at field start: invalid count at start of '\(s)'") }
    if f == 0 { throw bad("field number is zero") }
    key.startField = f - 1
    if s.first == "." {
        s = s.dropFirst()
        guard let c = number(&s) else { throw ToolError(exitCode: 2, message: "invalid number after '.': invalid count at start of '\(s)'") }
        if c == 0 { throw bad("character offset is zero") }
        key.startChar = c - 1
    }
    if !applyOptions(s, to: &key, start: true) { throw ToolError(exitCode: 2, message: "stray character in field spec: invalid field specification '\(spec)'") }
    if parts.count > 1 {
        var e = parts[1]
        guard let f2 = number(&e) else { throw ToolError(exitCode: 2, message: "invalid number after ',': invalid count at start of '\(e)'") }
        if f2 == 0 { throw bad("field number is zero") }
        key.endField = f2 - 1
        if e.first == "." {
            e = e.dropFirst()
            guard let c = number(&e) else { throw ToolError(exitCode: 2, message: "invalid number after '.': invalid count at start of '\(e)'") }
            key.endChar = c
        }
        if !applyOptions(e, to: &key, start: false) { throw ToolError(exitCode: 2, message: "stray character in field spec: invalid field specification '\(spec)'") }
    }
    return key
}

@Sendable
func runSort(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try sortApplet.spec.parse(args)
    var global = SortKey()
    global.skipStartBlanks = p.has("ignore-leading-blanks"); global.skipEndBlanks = global.skipStartBlanks
    global.dictionary = p.has("dictionary-order"); global.fold = p.has("ignore-case")
    global.general = p.has("general-numeric-sort"); global.nonPrinting = p.has("ignore-nonprinting")
    global.human = p.has("human-numeric-sort"); global.numeric = p.has("numeric-sort")
    global.reverse = p.has("reverse"); global.version = p.has("version-sort")
    let kinds = [global.numeric, global.human, global.general, global.version].filter { $0 }.count
    if kinds > 1 {
        let letters = [(global.general, "g"), (global.human, "h"), (global.numeric, "n"), (global.version, "V")].filter { $0.0 }.map { $0.1 }
        throw ToolError(exitCode: 2, message: "options '-\(letters.joined())' are incompatible")
    }
    var keys: [SortKey] = []
    for spec in p.values("key") {
        var k = try parseKey(spec)
        if k.hasNoOptions {
            k.skipStartBlanks = global.skipStartBlanks; k.skipEndBlanks = global.skipEndBlanks
            k.dictionary = global.dictionary; k.fold = global.fold; k.general = global.general
            k.nonPrinting = global.nonPrinting; k.human = global.human; k.numeric = global.numeric
            k.reverse = global.reverse; k.version = global.version
        }
        keys.append(k)
    }
    if keys.isEmpty { keys = [global] }
    var cmp = SortComparator(keys: keys)
    cmp.globalReverse = global.reverse
    let unique = p.has("unique")
    cmp.lastResort = !p.has("stable") && !unique
    if let t = p.value("field-separator") {
        let b = Array(t.utf8)
        if b.count == 2 && b[0] == 0x5C && b[1] == 0x30 { cmp.tab = 0 }
        else if b.count != 1 { throw ToolError(exitCode: 2, message: b.isEmpty ? "empty tab" : "multi-character tab '\(t)'") }
        else { cmp.tab = Int32(b[0]) }
    }
    let eol: UInt8 = p.has("zero-terminated") ? 0 : ASCII.newline
    let check = p.has("check") || p.has("C")
    let operands = p.operands.isEmpty ? ["-"] : p.operands

    let input = SortInput()
    let session = FileSession(ctx, verbose: false)
    for op in operands {
        let fd: FileDescriptor
        switch session.openInputReporting(op) {
        case .success(let f): fd = f
        case .failure(let e): throw ToolError(exitCode: 2, message: "cannot read: \(e.gnuMessage)")
        }
        defer { closeInput(fd) }
        do { try input.append(fd, eol: eol) } catch { throw ToolError(exitCode: 2, message: "read failed: \(op): \(error.description)") }
        if check { break }
    }
    var lines = input.splitLines(eol: eol)
    let base = UnsafePointer(input.storage)
    let plain = keys.count == 1 && keys[0].startField == 0 && keys[0].startChar == 0 && keys[0].endField == Int.max
        && !keys[0].skipStartBlanks && keys[0].needsBytewiseOnly

    if check {
        for i in lines.indices.dropFirst() {
            let a = lines[i - 1], b = lines[i]
            let c = cmp.compare(base + a.start, a.count, base + b.start, b.count)
            if c > 0 || (unique && c == 0) {
                if p.has("check") {
                    ctx.out.flush()
                    let text = String(decoding: UnsafeBufferPointer(start: base + b.start, count: b.count), as: UTF8.self)
                    ctx.err.write("sort: \(operands[0]):\(i + 1): disorder: \(text)\n")
                }
                return 1
            }
        }
        return 0
    }

    if plain && !unique {
        // Whole lines in byte order: lines that compare equal are equal bytes,
        // so order among them cannot show and any sort will do. Radix on the
        // 8-byte prefix, then the comparator within runs of equal prefixes.
        radixSortByPrefix(&lines)
        var i = 0
        while i < lines.count {
            var j = i + 1
            while j < lines.count && lines[j].prefix == lines[i].prefix { j += 1 }
            if j - i > 1 {
                var run = Array(lines[i..<j])
                mergeSort(&run) { x, y in
                    let m = min(x.count, y.count)
                    var d = m > 8 ? Int(memcmp(base + x.start + 8, base + y.start + 8, m - 8)) : 0
                    if d == 0 { d = x.count - y.count }
                    return d < 0
                }
                for k in 0..<run.count { lines[i + k] = run[k] }
            }
            i = j
        }
        if global.reverse { lines.reverse() }
    } else {
        // Lines are under 4 GiB each: the first key's bounds fit the prefix field.
        let packed = lines.allSatisfy { $0.count < 1 << 32 }
        if packed { for i in lines.indices { lines[i].prefix = cmp.firstKeyBounds(base + lines[i].start, lines[i].count) } }
        mergeSort(&lines) { x, y in
            packed ? cmp.compare(base + x.start, x.count, base + y.start, y.count, boundsA: x.prefix, boundsB: y.prefix) < 0
                   : cmp.compare(base + x.start, x.count, base + y.start, y.count) < 0
        }
    }

    var out = ctx.out
    var outFD: FileDescriptor? = nil
    if let path = p.value("output") {
        do throws(PathError) {
            if path.hasPrefix(ctx.procfs.root + "/") {  // /proc/PID/root/...: created inside that root
                outFD = try session.opener.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC).fd
            } else {
                do { outFD = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o666) }
                catch { throw PathError(path, error) }
            }
        } catch {
            throw ToolError(exitCode: 2, message: "open failed: \(error.gnuMessage)")
        }
        out = OutputWriter(.fd(outFD!))
    }
    defer { outFD?.close() }
    var previous: SortLine? = nil
    for l in lines {
        if unique, let prev = previous, cmp.compare(base + prev.start, prev.count, base + l.start, l.count) == 0 { continue }
        out.write(Bytes(start: base + l.start, count: l.count))
        out.byte(eol)
        if out.isBroken { break }
        previous = l
    }
    out.flush()
    if let f = out.failure { throw ToolError(exitCode: 2, message: "write failed: \(p.value("output") ?? "standard output"): \(f.description)") }
    return 0
}

/// All input in one growing buffer (each file's last line terminated).
final class SortInput {
    private(set) var storage: UnsafeMutablePointer<UInt8>
    private var cap: Int
    private(set) var count = 0
    init() { cap = 1 << 20; storage = .allocate(capacity: cap) }
    deinit { storage.deallocate() }

    private func reserve(_ n: Int) {
        if count + n <= cap { return }
        var c = cap
        while count + n > c { c *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger; cap = c
    }

    func append(_ fd: FileDescriptor, eol: UInt8) throws(Errno) {
        let start = count
        if let st = try? fd.stat(), (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 { reserve(Int(st.st_size) + 1) }
        while true {
            reserve(1 << 16)
            let n = try fd.read(into: UnsafeMutableRawBufferPointer(start: storage + count, count: cap - count))
            if n == 0 { break }
            count += n
        }
        if count > start && storage[count - 1] != eol { reserve(1); storage[count] = eol; count += 1 }
    }

    func splitLines(eol: UInt8) -> [SortLine] {
        var lines: [SortLine] = []
        lines.reserveCapacity(count / 32 + 16)
        var i = 0
        while i < count {
            let end: Int
            if let hit = memchr(storage + i, Int32(eol), count - i) {
                end = UnsafeMutablePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - storage
            } else { end = count }
            let n = end - i
            var prefix: UInt64 = 0
            let m = min(n, 8)
            for k in 0..<m { prefix |= UInt64(storage[i + k]) << (56 - 8 * UInt64(k)) }
            lines.append(SortLine(prefix: prefix, start: i, count: n))
            i = end + 1
        }
        return lines
    }
}

/// LSD radix sort of `a` by `prefix`, 16 bits per pass, low digits first;
/// a pass whose digit is the same for every line is skipped.
func radixSortByPrefix(_ a: inout [SortLine]) {
    let n = a.count
    if n < 2 { return }
    var tmp = a
    var counts = [Int](repeating: 0, count: 65536)
    var inA = true
    a.withUnsafeMutableBufferPointer { pa in
        tmp.withUnsafeMutableBufferPointer { pt in
            counts.withUnsafeMutableBufferPointer { c in
                for shift in stride(from: UInt64(0), to: 64, by: 16) {
                    let src = inA ? pa : pt, dst = inA ? pt : pa
                    for i in 0..<65536 { c[i] = 0 }
                    for i in 0..<n { c[Int((src[i].prefix >> shift) & 0xFFFF)] += 1 }
                    if c[Int((src[0].prefix >> shift) & 0xFFFF)] == n { continue }
                    var sum = 0
                    for i in 0..<65536 { let k = c[i]; c[i] = sum; sum += k }
                    for i in 0..<n {
                        let d = Int((src[i].prefix >> shift) & 0xFFFF)
                        dst[c[d]] = src[i]; c[d] += 1
                    }
                    inA.toggle()
                }
                if !inA { for i in 0..<n { pa[i] = pt[i] } }
            }
        }
    }
}

/// A stable merge sort (insertion-sorted runs of 16, then bottom-up merges
/// between two buffers): equal elements keep their input order, as sort -s needs.
@inline(__always)
func mergeSort(_ a: inout [SortLine], _ less: (SortLine, SortLine) -> Bool) {
    let n = a.count
    if n < 2 { return }
    var tmp = a
    a.withUnsafeMutableBufferPointer { src0 in
        tmp.withUnsafeMutableBufferPointer { dst0 in
            var src = src0, dst = dst0
            let run = 16
            var s = 0
            while s < n {
                let e = min(s + run, n)
                var i = s + 1
                while i < e {
                    let x = src[i]
                    var j = i
                    while j > s && less(x, src[j - 1]) { src[j] = src[j - 1]; j -= 1 }
                    src[j] = x
                    i += 1
                }
                s = e
            }
            var width = run
            var inSrc = true
            while width < n {
                var lo = 0
                while lo < n {
                    let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                    var i = lo, j = mid, k = lo
                    if mid >= hi || !less(src[mid], src[mid - 1]) {
                        // Already in order: copy through.
                        while i < hi { dst[k] = src[i]; i += 1; k += 1 }
                    } else {
                        while i < mid && j < hi {
                            if less(src[j], src[i]) { dst[k] = src[j]; j += 1 } else { dst[k] = src[i]; i += 1 }
                            k += 1
                        }
                        while i < mid { dst[k] = src[i]; i += 1; k += 1 }
                        while j < hi { dst[k] = src[j]; j += 1; k += 1 }
                    }
                    lo = hi
                }
                swap(&src, &dst)
                inSrc.toggle()
                width *= 2
            }
            if !inSrc {
                // The result is in the temporary buffer: copy it back.
                for i in 0..<n { dst[i] = src[i] }
            }
        }
    }
}
