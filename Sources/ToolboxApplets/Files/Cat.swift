import ToolboxCore

let catApplet = Applet(spec: AppletSpec(
    name: "cat",
    summary: "Print files (and - for standard input); paths through /proc/PID/root are resolved inside that container",
    usage: ["[-AbeEnstTuv] [--verbose] [FILE...]"],
    details: """
    With no FILE, or when FILE is -, reads standard input. Files are opened with O_NOATIME where permitted.
    Line numbers continue from one file to the next, as GNU cat's.
    """,
    options: [
        .flag("A", "show-all", "equivalent to -vET"),
        .flag("b", "number-nonblank", "number nonempty output lines, overrides -n"),
        .flag("e", nil, "equivalent to -vE"),
        .flag("E", "show-ends", "display $ at end of each line"),
        .flag("n", "number", "number all output lines"),
        .flag("s", "squeeze-blank", "suppress repeated empty output lines"),
        .flag("t", nil, "equivalent to -vT"),
        .flag("T", "show-tabs", "display TAB characters as ^I"),
        .flag("u", nil, "(ignored)"),
        .flag("v", "show-nonprinting", "use ^ and M- notation, except for LFD and TAB"),
        verboseOption,
    ]), run: runCat)

@Sendable
func runCat(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try catApplet.spec.parse(args)
    let session = FileSession(ctx, verbose: p.has("verbose"))
    var filter = CatFilter(p)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    defer { buffer.deallocate() }
    // GNU cat's rule: a regular output file is not also read as input
    // (`cat big >> big` would grow it without end).
    let output = ctx.out.descriptor.flatMap { try? $0.stat() }.flatMap { $0.st_mode & S_IFMT == S_IFREG ? $0 : nil }
    for op in p.operands.isEmpty ? ["-"] : p.operands {
        if ctx.out.isBroken { break }
        let fd: FileDescriptor
        if op == "-" { fd = .standardInput }
        else {
            guard let opened = session.open(op, flags: O_RDONLY | O_NOATIME, gnu: { "\(quotedName($0)): \($1.message)" })
            else { continue }
            fd = opened.fd
        }
        defer { if op != "-" { fd.close() } }
        if let output, let st = try? fd.stat(), st.st_dev == output.st_dev, st.st_ino == output.st_ino,
           lseek(fd.rawValue, 0, SEEK_CUR) < st.st_size {
            ctx.out.flush()
            ctx.warn("\(op): input file is output file")
            continue
        }
        do {
            while true {
                let n = try fd.read(into: buffer)
                if n == 0 { break }
                let bytes = Bytes(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
                if filter.active { filter.process(bytes, ctx.out) } else { ctx.out.write(bytes) }
                if ctx.out.isBroken { break }
            }
        } catch {
            ctx.out.flush()
            ctx.warn("\(op): \(error.message)")
        }
    }
    filter.finish(ctx.out)
    return ExitCode.success
}

/// quotef(): a file name in GNU coreutils' messages (quoted only when needed).
func quotedName(_ s: String) -> String { String(decoding: shellEscapeQuoted(Array(s.utf8)), as: UTF8.self) }

/// cat's -n -b -s -E -T -v as GNU cat's state machine (cat.c): `newlines`
/// is -1 inside a line, else the number of newlines just seen (0 at the
/// start of a line), and it and the line number carry over from one file
/// to the next.
struct CatFilter {
    let number: Bool, nonblank: Bool, squeeze: Bool, ends: Bool, tabs: Bool, nonprinting: Bool
    let active: Bool
    var newlines = 0
    var line = 0
    /// -E without -v: a `\r` at the end of a read, shown as `^M` if a
    /// newline follows (even in the next file), else written as it is.
    var pendingCR = false

    init(_ p: ParsedArguments) {
        let all = p.has("show-all"), e = p.has("e"), t = p.has("t")
        nonblank = p.has("number-nonblank")
        number = p.has("number") || nonblank
        squeeze = p.has("squeeze-blank")
        ends = all || e || p.has("show-ends")
        tabs = all || t || p.has("show-tabs")
        nonprinting = all || e || t || p.has("show-nonprinting")
        active = number || squeeze || ends || tabs || nonprinting
    }

    /// Whether `c` is written as it is inside a line.
    @inline(__always) private func plain(_ c: UInt8) -> Bool {
        if c == ASCII.newline { return false }
        if c == ASCII.tab { return !tabs }
        if c == 0x0D && ends { return false }
        return !nonprinting || (c >= 0x20 && c < 0x7F)
    }

    /// After the last file: a `\r` still held is written as it is.
    mutating func finish(_ o: OutputWriter) {
        if pendingCR { o.byte(0x0D); pendingCR = false }
    }

    private mutating func lineNumber(_ o: OutputWriter) {
        line += 1
        o.decimal(line, width: 6)
        o.byte(ASCII.tab)
    }

    mutating func process(_ b: Bytes, _ o: OutputWriter) {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if pendingCR {
                pendingCR = false
                if c == ASCII.newline { o.byte(0x5E); o.byte(0x4D) } else { o.byte(0x0D) }
            }
            if c == ASCII.newline {
                if newlines < 0 {
                    newlines = 0
                } else {
                    newlines += 1
                    if newlines >= 2 {
                        newlines = 2
                        if squeeze { i += 1; continue }
                    }
                    if number && !nonblank { lineNumber(o) }
                }
                if ends { o.byte(0x24) }
                o.byte(ASCII.newline)
                i += 1
                continue
            }
            if newlines >= 0 {
                if number { lineNumber(o) }
                newlines = -1
            }
            // A run of bytes written as they are.
            var j = i
            while j < n && plain(b[j]) { j += 1 }
            if j > i { o.write(Bytes(rebasing: b[i..<j])); i = j; continue }
            if c == 0x0D && !nonprinting {   // -E: \r\n as ^M$
                if i + 1 == n { pendingCR = true }
                else if b[i + 1] == ASCII.newline { o.byte(0x5E); o.byte(0x4D) }
                else { o.byte(0x0D) }
                i += 1
                continue
            }
            // One byte in ^ or M- notation.
            var ch = c
            if ch >= 0x80 { o.byte(0x4D); o.byte(0x2D); ch -= 0x80 }
            if ch < 0x20 { o.byte(0x5E); o.byte(ch + 64) }
            else if ch == 0x7F { o.byte(0x5E); o.byte(0x3F) }
            else { o.byte(ch) }
            i += 1
        }
    }
}
