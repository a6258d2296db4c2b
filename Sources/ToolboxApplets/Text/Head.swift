import ToolboxCore

let headApplet = Applet(spec: AppletSpec(
    name: "head",
    summary: "Print the first 10 lines of each FILE (or - for standard input), as GNU head",
    usage: ["[OPTION...] [FILE...]"],
    details: "NUM may have a multiplier suffix: b 512, kB 1000, K 1024, MB 1000*1000, M 1024*1024, GB, G, T, P, E.",
    options: [
        .value("c", "bytes", "[-]NUM", "print the first NUM bytes; with a leading '-', all but the last NUM bytes"),
        .value("n", "lines", "[-]NUM", "print the first NUM lines; with a leading '-', all but the last NUM lines"),
        .flag("q", "quiet", "never print headers giving file names"),
        .flag(nil, "silent", "same as --quiet"),
        .flag("v", "verbose", "always print headers giving file names"),
        .flag("z", "zero-terminated", "line delimiter is NUL, not newline"),
    ]), run: runHead)

/// head and tail's -n/-c: the last one given, its number and leading sign.
struct HeadTailCount {
    var byBytes = false
    var count = 10
    var sign: Character? = nil

    init(_ p: ParsedArguments) throws(ToolError) {
        for occ in p.occurrences where occ.key == "bytes" || occ.key == "lines" {
            byBytes = occ.key == "bytes"
            var v = Substring(occ.value ?? "")
            sign = v.first == "-" || v.first == "+" ? v.first : nil
            if sign != nil { v = v.dropFirst() }
            guard let n = parseCount(v) else {
                throw ToolError(exitCode: 1, message: "invalid number of \(byBytes ? "bytes" : "lines"): '\(occ.value ?? "")'")
            }
            count = n
        }
    }
}

/// Opens an operand, reporting failure in head and tail's words.
func openForReading(_ session: FileSession, _ op: String) -> FileDescriptor? {
    switch session.openInputReporting(op) {
    case .success(let f): return f
    case .failure(let e):
        session.ctx.out.flush()
        session.ctx.warn("cannot open '\(op)' for reading: \(e.errno.description)")
        return nil
    }
}

/// `==> NAME <==` before each file (a blank line between files).
func writeFileHeader(_ out: OutputWriter, _ op: String, first: Bool) {
    if !first { out.byte(ASCII.newline) }
    out.write("==> \(op == "-" ? "standard input" : op) <==\n")
}

/// `-5` as `-n 5` (the historic spelling head and tail accept).
func historicCountArgs(_ args: [String]) -> [String] {
    guard let first = args.first, first.count > 1, first.hasPrefix("-"),
          first.dropFirst().first.map({ $0.isASCII && $0.isNumber }) == true else { return args }
    var digits = first.dropFirst()
    var suffix = ""
    while let last = digits.last, !(last.isASCII && last.isNumber) { suffix = String(last) + suffix; digits = digits.dropLast() }
    if suffix.isEmpty || suffix == "l" { return ["-n", String(digits)] + args.dropFirst() }
    if suffix == "c" { return ["-c", String(digits)] + args.dropFirst() }
    return args
}

@Sendable
func runHead(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try headApplet.spec.parse(historicCountArgs(args), usageStatus: 1)
    let c = try HeadTailCount(p)
    let byBytes = c.byBytes, count = c.count, allBut = c.sign == "-"
    let eol: UInt8 = p.has("zero-terminated") ? 0 : ASCII.newline
    let operands = p.operands.isEmpty ? ["-"] : p.operands
    var headers = operands.count > 1
    for k in p.order { if k == "quiet" || k == "silent" { headers = false } else if k == "verbose" { headers = true } }
    let session = FileSession(ctx, verbose: false)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    defer { buffer.deallocate() }
    var first = true
    for op in operands {
        if ctx.out.isBroken { break }
        guard let fd = openForReading(session, op) else { continue }
        defer { closeInput(fd) }
        if headers { writeFileHeader(ctx.out, op, first: first) }
        first = false
        do {
            if allBut { try headAllBut(ctx.out, fd, count, byBytes: byBytes, eol: eol) }
            else { try headFirst(ctx.out, fd, count, byBytes: byBytes, eol: eol, buffer: buffer) }
        } catch {
            ctx.out.flush()
            ctx.warn("error reading '\(op)': \(error.description)")
        }
    }
    return ExitCode.success
}

private func headFirst(_ out: OutputWriter, _ fd: FileDescriptor, _ count: Int, byBytes: Bool, eol: UInt8,
                       buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
    var left = count
    let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
    while left > 0 {
        let n = try fd.read(into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: byBytes ? min(buffer.count, left) : buffer.count))
        if n == 0 { return }
        if byBytes {
            out.write(Bytes(start: base, count: n)); left -= n
        } else if let hit = cshim_nth_byte(base, n, eol, left) {
            let used = hit - UnsafePointer(base) + 1
            out.write(Bytes(start: base, count: used))
            // Leave a seekable input positioned after what was printed (as GNU head).
            if used < n { _ = lseek(fd.rawValue, off_t(used - n), SEEK_CUR) }
            return
        } else {
            left -= cshim_count_byte(base, n, eol)
            out.write(Bytes(start: base, count: n))
        }
        if out.isBroken { return }
    }
}

/// All but the last `count` bytes or lines: holds back just enough input.
private func headAllBut(_ out: OutputWriter, _ fd: FileDescriptor, _ count: Int, byBytes: Bool, eol: UInt8) throws(Errno) {
    let reader = ReadBuffer(capacity: 1 << 16)
    var pending: [UInt8] = []
    var eof = false
    while !eof {
        let chunk = try reader.readAll(fd, limit: 1 << 16)
        if chunk.count < 1 << 16 { eof = true }
        pending.append(contentsOf: chunk)
        if byBytes {
            if pending.count > count {
                let emit = pending.count - count
                pending.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<emit])) }
                pending.removeFirst(emit)
            }
        } else {
            // Emit lines while more than `count` complete lines stay held.
            let lines = pending.withUnsafeBufferPointer { cshim_count_byte($0.baseAddress!, $0.count, eol) }
            let partial = pending.last != eol && !pending.isEmpty ? 1 : 0
            if eof {
                let total = lines + partial
                if total > count {
                    let keep = total - count
                    let end = pending.withUnsafeBufferPointer { b -> Int in
                        guard let hit = cshim_nth_byte(b.baseAddress!, b.count, eol, keep) else { return b.count }
                        return hit - b.baseAddress! + 1
                    }
                    pending.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<end])) }
                }
                return
            }
            if lines > count {
                let emitLines = lines - count
                let end = pending.withUnsafeBufferPointer { b -> Int in
                    cshim_nth_byte(b.baseAddress!, b.count, eol, emitLines)! - b.baseAddress! + 1
                }
                pending.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<end])) }
                pending.removeFirst(end)
            }
        }
        if out.isBroken { return }
    }
}
