import ToolboxCore

let wcApplet = Applet(spec: AppletSpec(
    name: "wc",
    summary: "Print newline, word and byte counts for each FILE, and a total line if more than one, as GNU wc",
    usage: ["[OPTION...] [FILE...]"],
    details: "With no FILE, or when FILE is -, reads standard input. Characters are bytes (the C locale).",
    options: [
        .flag("c", "bytes", "print the byte counts"),
        .flag("m", "chars", "print the character counts"),
        .flag("l", "lines", "print the newline counts"),
        .flag("L", "max-line-length", "print the maximum display width"),
        .flag("w", "words", "print the word counts"),
    ]), run: runWc)

private struct WcCounts { var lines = 0, words = 0, chars = 0, bytes = 0, maxLine = 0 }

@Sendable
func runWc(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try wcApplet.spec.parse(args, usageStatus: 1)
    var lines = p.has("lines"), words = p.has("words"), chars = p.has("chars"), bytes = p.has("bytes")
    let maxLine = p.has("max-line-length")
    if !lines && !words && !chars && !bytes && !maxLine { lines = true; words = true; bytes = true }
    let operands = p.operands.isEmpty ? ["-"] : p.operands
    let session = FileSession(ctx, verbose: false)
    let selected = [lines, words, chars, bytes, maxLine].filter { $0 }.count

    // Open everything first: GNU sizes the columns from the files' sizes.
    var fds: [FileDescriptor?] = []
    var openErrors: [String] = []
    var width = 1
    var minimum = 1, regularTotal: Int64 = 0
    for op in operands {
        switch session.openInputReporting(op) {
        case .success(let fd): fds.append(fd); openErrors.append("")
        case .failure(let e): fds.append(nil); openErrors.append(e.gnuMessage)
        }
    }
    if !(operands.count == 1 && selected == 1), let first = fds.first, first != nil {
        for fd in fds {
            guard let fd, let st = try? fd.stat() else { continue }
            if (st.st_mode & S_IFMT) == S_IFREG { regularTotal += Int64(st.st_size) } else { minimum = 7 }
        }
        var t = regularTotal
        while t >= 10 { width += 1; t /= 10 }
        width = max(width, minimum)
    }

    // 64 KiB: the block the kernel copies into stays in cache while it is counted.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 64)
    defer { buffer.deallocate() }
    var total = WcCounts()
    func emit(_ c: WcCounts, _ name: String?) {
        var firstCol = true
        func col(_ v: Int) {
            if !firstCol { ctx.out.byte(ASCII.space) }
            ctx.out.decimal(v, width: width); firstCol = false
        }
        if lines { col(c.lines) }
        if words { col(c.words) }
        if chars { col(c.chars) }
        if bytes { col(c.bytes) }
        if maxLine { col(c.maxLine) }
        if let name { ctx.out.byte(ASCII.space); ctx.out.write(name) }
        ctx.out.byte(ASCII.newline)
    }
    for (i, op) in operands.enumerated() {
        guard let fd = fds[i] else {
            ctx.out.flush(); ctx.warn(openErrors[i])
            continue
        }
        defer { closeInput(fd) }
        var c = WcCounts()
        do {
            let onlyBytes = !lines && !words && !chars && !maxLine
            if onlyBytes, let st = try? fd.stat(), (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 {
                let pos = lseek(fd.rawValue, 0, SEEK_CUR)
                c.bytes = Int(st.st_size) - Int(max(pos, 0))
            } else if !words && !maxLine {
                let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                while true {
                    let n = try fd.read(into: buffer)
                    if n == 0 { break }
                    c.bytes += n
                    if lines { c.lines += cshim_count_byte(base, n, ASCII.newline) }
                }
                c.chars = c.bytes
            } else {
                try wcFull(fd, buffer, &c)
            }
        } catch {
            ctx.out.flush()
            ctx.warn("\(op): \(error.description)")
        }
        total.lines += c.lines; total.words += c.words; total.chars += c.chars; total.bytes += c.bytes
        total.maxLine = max(total.maxLine, c.maxLine)
        emit(c, op == "-" && p.operands.isEmpty ? nil : op)
    }
    if operands.count > 1 { emit(total, "total") }
    return ExitCode.success
}

/// Words and display width: coreutils wc's single-byte loop (C locale).
private func wcFull(_ fd: FileDescriptor, _ buffer: UnsafeMutableRawBufferPointer, _ c: inout WcCounts) throws(Errno) {
    let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var inWord = false
    var linePos = 0, lineLength = 0
    var words = 0, lines = 0
    while true {
        let n = try fd.read(into: buffer)
        if n == 0 { break }
        c.bytes += n
        for i in 0..<n {
            let b = base[i]
            switch b {
            case 0x0A:
                lines += 1
                if linePos > lineLength { lineLength = linePos }
                linePos = 0
                words += inWord ? 1 : 0; inWord = false
            case 0x0D, 0x0C:
                if linePos > lineLength { lineLength = linePos }
                linePos = 0
                words += inWord ? 1 : 0; inWord = false
            case 0x09:
                linePos += 8 - (linePos % 8)
                words += inWord ? 1 : 0; inWord = false
            case 0x20:
                linePos += 1
                words += inWord ? 1 : 0; inWord = false
            case 0x0B:
                words += inWord ? 1 : 0; inWord = false
            default:
                if b >= 0x21 && b <= 0x7E { linePos += 1; inWord = true }
            }
        }
    }
    if linePos > lineLength { lineLength = linePos }
    words += inWord ? 1 : 0
    c.words = words; c.lines = lines; c.maxLine = lineLength; c.chars = c.bytes
}
