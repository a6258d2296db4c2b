import ToolboxCore

let lessApplet = Applet(spec: AppletSpec(
    name: "less",
    summary: "Page through a FILE (or standard input) on the terminal; keys are read from /dev/tty",
    usage: ["[-N] [-S] [+F] [FILE...]"],
    details: """
    Keys: q quit; SPACE f ^F ^V page down; b ^B page up; ENTER j e ^N ^E down arrow one line down;
    k y ^P ^Y up arrow one line up; d ^D / u ^U half page; g < top (NUMg: line NUM); G > end;
    /PATTERN and ?PATTERN search forward and backward (extended regular expressions); n N repeat;
    F follow the end of the input as it grows (any key stops); r ^L redraw.
    When standard output is not a terminal the input is copied unchanged. Control characters are
    shown as ^X, so the paged text cannot drive the terminal.
    """,
    options: [
        .flag("N", "LINE-NUMBERS", "show line numbers"),
        .flag("S", "chop-long-lines", "chop (truncate) long lines rather than wrapping"),
        .flag("R", "RAW-CONTROL-CHARS", "accepted; control characters are still shown as ^X"),
        .flag("X", "no-init", "do not switch to the alternate screen"),
        .flag("F", "quit-if-one-screen", "exit at once if the text fits on one screen"),
    ]), run: { ctx, args in try runPager(ctx, args, name: "less") })

let moreApplet = Applet(spec: AppletSpec(
    name: "more",
    summary: "Page through a FILE (or standard input) like less, quitting when the end is passed",
    usage: ["[-N] [-S] [FILE...]"],
    details: "The same pager as toolbox less; text that fits on one screen is printed and more exits.",
    options: lessApplet.spec.options), run: { ctx, args in try runPager(ctx, args, name: "more") })

@Sendable
func runPager(_ ctx: Context, _ rawArgs: [String], name: String) throws -> Int32 {
    // less's +CMD: only +F (follow) and +G (go to end) are understood.
    var follow = false, startAtEnd = false
    var args: [String] = []
    for a in rawArgs {
        if a == "+F" { follow = true } else if a == "+G" { startAtEnd = true } else { args.append(a) }
    }
    let spec = name == "more" ? moreApplet.spec : lessApplet.spec
    let p = try spec.parse(args)
    let session = FileSession(ctx, verbose: false)
    let operands = p.operands.isEmpty ? ["-"] : p.operands
    guard ctx.out.isTerminal else {
        // Not a terminal: pass the input through unchanged (as less does).
        for op in operands {
            guard let fd = session.openInput(op) else { continue }
            defer { closeInput(fd) }
            do { try copyToEnd(ctx.out, fd) } catch { ctx.out.flush(); ctx.warn("\(op): \(error.description)") }
        }
        return ctx.exitStatus
    }
    if p.operands.isEmpty && Terminal.isTerminal(0) {
        throw ToolError(exitCode: 1, message: "missing filename (\"\(name) --help\" for help)")
    }
    let op = operands[0]
    guard let fd = session.openInput(op) else { return 1 }
    defer { closeInput(fd) }
    let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
    guard tty >= 0 else { throw ToolError.failure("/dev/tty", Errno.current) }
    defer { close(tty) }
    let pager = Pager(ctx, input: fd, tty: tty, name: op == "-" ? "" : op)
    pager.lineNumbers = p.has("LINE-NUMBERS")
    pager.chop = p.has("chop-long-lines")
    pager.alternateScreen = !p.has("no-init")
    pager.quitIfOneScreen = p.has("quit-if-one-screen") || name == "more"
    pager.quitAtEnd = name == "more"
    try pager.run(follow: follow, startAtEnd: startAtEnd)
    return 0
}

/// The pager: the input is held as bytes plus line starts, read as it
/// arrives (a pipe is read while the screen is already shown).
final class Pager {
    let ctx: Context
    let input: FileDescriptor
    let tty: Int32
    let name: String
    var lineNumbers = false, chop = false, alternateScreen = true
    var quitIfOneScreen = false, quitAtEnd = false
    private var text: [UInt8] = []
    private var lineStarts: [Int] = [0]
    private var eof = false
    private var rows = 24, cols = 80
    private var top = 0          // first line shown
    private var message: String? = nil
    private var pattern: POSIXRegex? = nil
    private var patternText = ""
    private var lastSearchForward = true
    private var saved = termios()
    private let out: OutputWriter

    init(_ ctx: Context, input: FileDescriptor, tty: Int32, name: String) {
        self.ctx = ctx; self.input = input; self.tty = tty; self.name = name
        out = ctx.out
    }

    /// Complete lines, plus the partial last one (shown while it grows).
    private var lineCount: Int { lineStarts.count - 1 + (text.count > lineStarts[lineStarts.count - 1] ? 1 : 0) }

    private func line(_ i: Int) -> ArraySlice<UInt8> {
        let s = lineStarts[i]
        var e = i + 1 < lineStarts.count ? lineStarts[i + 1] - 1 : text.count
        if e > text.count { e = text.count }
        return text[s..<max(s, e)]
    }

    /// Reads what the input has now (waiting at most `timeout` ms); false at EOF.
    @discardableResult
    private func pump(timeout: Int32) -> Bool {
        if eof { return false }
        var pfd = pollfd(fd: input.rawValue, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, timeout) <= 0 { return true }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        let got = buf.withUnsafeMutableBytes { b in Result { () throws(Errno) in try input.read(into: b) } }
        let n: Int
        switch got {
        case .success(let k): n = k
        case .failure(let e): n = -1; if e.rawValue != EAGAIN { eof = true }
        }
        if n <= 0 { if n == 0 { eof = true }; return !eof }
        let old = text.count
        text.append(contentsOf: buf[0..<n])
        for k in old..<text.count where text[k] == ASCII.newline { lineStarts.append(k + 1) }
        return true
    }

    /// Reads until `want` lines exist or the input ends (bounded by the wait for a pipe).
    private func fill(lines want: Int) {
        while !eof && lineStarts.count <= want { if !pump(timeout: 50) { break }; if !hasPendingInput() && !isRegular { break } }
    }
    private lazy var isRegular: Bool = { ((try? input.stat())?.st_mode ?? 0) & S_IFMT == S_IFREG }()
    private func hasPendingInput() -> Bool {
        var pfd = pollfd(fd: input.rawValue, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }
    private func readAll() { while !eof { pump(timeout: 100); if !isRegular && !hasPendingInput() { var t = pollfd(fd: tty, events: Int16(POLLIN), revents: 0); if poll(&t, 1, 0) > 0 { return } } } }

    private var textRows: Int { max(rows - 1, 1) }

    /// Terminal rows one line needs (wrapping), given the line-number prefix.
    private func rendered(_ l: ArraySlice<UInt8>) -> [UInt8] {
        var r: [UInt8] = []
        r.reserveCapacity(l.count + 8)
        var col = 0
        for c in l {
            if c == ASCII.tab { let n = 8 - col % 8; r += repeatElement(0x20, count: n); col += n }
            else if c < 0x20 || c == 0x7F { r.append(0x5E); r.append(c == 0x7F ? 0x3F : c + 0x40); col += 2 }
            else if c >= 0x80 { let h = Array("<\(String(c, radix: 16, uppercase: true))>".utf8); r += h; col += h.count }
            else { r.append(c); col += 1 }
        }
        return r
    }

    private func draw() {
        fill(lines: top + textRows + 1)
        out.write("\u{1B}[H")
        var row = 0
        var i = top
        let width = lineNumbers ? cols - 8 : cols
        while row < textRows {
            if i >= lineCount {
                out.write("~\u{1B}[K\r\n"); row += 1; continue
            }
            let r = rendered(line(i))
            var start = 0
            repeat {
                if row >= textRows { break }
                if lineNumbers {
                    if start == 0 { out.decimal(i + 1, width: 7); out.byte(0x20) } else { out.write("        ") }
                }
                let end = min(start + max(width, 1), r.count)
                highlight(Array(r[start..<end]))
                out.write("\u{1B}[K\r\n")
                row += 1
                start = end
                if chop { break }
            } while start < r.count
            i += 1
        }
        // The prompt line.
        let atEnd = eof && top + textRows >= lineCount
        if let m = message { out.write("\u{1B}[7m"); out.write(m); out.write("\u{1B}[27m") }
        else if atEnd { out.write("\u{1B}[7m(END)\u{1B}[27m") }
        else if top == 0 && !name.isEmpty { out.write("\u{1B}[7m\(name)\u{1B}[27m") }
        else { out.write(":") }
        out.write("\u{1B}[K")
        out.flush()
        message = nil
    }

    /// Writes a screen row with matches of the search pattern in reverse video.
    private func highlight(_ r: [UInt8]) {
        guard let pattern, !r.isEmpty else { out.write(r); return }
        r.withUnsafeBufferPointer { b in
            var from = 0, written = 0
            while from < b.count, let (s, e) = pattern.firstMatch(b.baseAddress!, count: b.count, from: from) {
                if e == s { from = s + 1; continue }
                out.write(Bytes(rebasing: b[written..<s])); out.write("\u{1B}[7m"); out.write(Bytes(rebasing: b[s..<e])); out.write("\u{1B}[27m")
                written = e; from = e
            }
            out.write(Bytes(rebasing: b[written...]))
        }
    }

    private func readKey() -> UInt8? {
        var c: UInt8 = 0
        let n = withUnsafeMutableBytes(of: &c) { try? FileDescriptor(rawValue: tty).read(into: $0) }
        return n == 1 ? c : nil
    }

    /// Waits for a key while reading the input (a growing pipe shows up).
    private func waitKey() -> UInt8? {
        while true {
            var fds = [pollfd(fd: tty, events: Int16(POLLIN), revents: 0), pollfd(fd: input.rawValue, events: Int16(POLLIN), revents: 0)]
            let watchInput = !eof && !isRegular
            let r = poll(&fds, watchInput ? 2 : 1, -1)
            if r < 0 { if errno == EINTR { continue }; return nil }
            if fds[0].revents != 0 { return readKey() }
            if watchInput && fds[1].revents != 0 {
                let before = lineCount
                pump(timeout: 0)
                if lineCount != before && lineCount < top + textRows + 1 { draw() }
                if eof { draw() }
            }
        }
    }

    private func prompt(_ lead: String) -> String? {
        out.write("\r\u{1B}[K" + lead); out.flush()
        var s: [UInt8] = []
        while let c = readKey() {
            if c == 0x0D || c == 0x0A { return String(decoding: s, as: UTF8.self) }
            if c == 0x1B || c == 0x03 { return nil }
            if c == 0x7F || c == 0x08 {
                if s.isEmpty { return nil }
                s.removeLast(); out.write("\u{8} \u{8}"); out.flush(); continue
            }
            if c >= 0x20 { s.append(c); out.byte(c); out.flush() }
        }
        return nil
    }

    private func search(forward: Bool) {
        guard let pattern else { message = "No previous regular expression"; return }
        if forward {
            var i = top + 1
            while true {
                fill(lines: i + 1)
                if i >= lineCount { break }
                let l = line(i)
                if l.withUnsafeBufferPointer({ pattern.firstMatch($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count) }) != nil { top = i; return }
                i += 1
            }
        } else {
            var i = top - 1
            while i >= 0 {
                let l = line(i)
                if l.withUnsafeBufferPointer({ pattern.firstMatch($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count) }) != nil { top = i; return }
                i -= 1
            }
        }
        message = "Pattern not found"
    }

    private func maxTop() -> Int { max(lineCount - textRows, 0) }

    private func followLoop() {
        message = "Waiting for data... (interrupt to abort)"
        while true {
            readAll()
            top = maxTop()
            draw()
            message = "Waiting for data... (interrupt to abort)"
            var fds = [pollfd(fd: tty, events: Int16(POLLIN), revents: 0), pollfd(fd: input.rawValue, events: Int16(POLLIN), revents: 0)]
            if eof && isRegular {
                // A regular file: wait for a key for a short while, then look for growth.
                eof = false
                if poll(&fds, 1, 200) > 0 { _ = readKey(); message = nil; return }
                continue
            }
            if poll(&fds, eof ? 1 : 2, -1) > 0 && fds[0].revents != 0 { _ = readKey(); message = nil; return }
        }
    }

    func run(follow: Bool, startAtEnd: Bool) throws {
        if let ws = Terminal.windowSize(tty), ws.rows > 0 { rows = ws.rows; cols = ws.columns }
        if quitIfOneScreen {
            fill(lines: textRows + 1)
            readAll()
            if eof && lineCount <= textRows {
                for i in 0..<lineCount { out.write(Array(line(i))); out.byte(ASCII.newline) }
                out.flush()
                return
            }
        }
        tcgetattr(tty, &saved)
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        tcsetattr(tty, TCSANOW, &raw)
        if alternateScreen { out.write("\u{1B}[?1049h") }
        out.write("\u{1B}[2J")
        defer {
            out.write("\r\u{1B}[K")
            if alternateScreen { out.write("\u{1B}[?1049l") }
            out.flush()
            tcsetattr(tty, TCSANOW, &saved)
        }
        if startAtEnd { readAll(); top = maxTop() }
        if follow { followLoop() }
        var count = 0
        var pendingZ = false
        draw()
        while let c = waitKey() {
            if c >= 0x30 && c <= 0x39 { count = count * 10 + Int(c - 0x30); continue }
            let n = max(count, 1)
            let hadCount = count > 0
            count = 0
            if pendingZ { pendingZ = false; if c == 0x5A { return } }
            switch c {
            case 0x71, 0x51: return                                   // q Q
            case 0x5A: pendingZ = true; continue                       // ZZ
            case 0x20, 0x66, 0x06, 0x16:                               // space f ^F ^V
                if quitAtEnd && eof && top + textRows >= lineCount { return }
                fill(lines: top + textRows * (n + 1) + 1)
                top = min(top + textRows * n, maxTop())
            case 0x62, 0x02: top = max(top - textRows * n, 0)         // b ^B
            case 0x0D, 0x0A, 0x6A, 0x65, 0x0E, 0x05:                   // enter j e ^N ^E
                fill(lines: top + textRows + n + 1)
                top = min(top + n, maxTop())
            case 0x6B, 0x79, 0x10, 0x19, 0x0B: top = max(top - n, 0)   // k y ^P ^Y ^K
            case 0x64, 0x04:                                           // d ^D
                fill(lines: top + textRows + textRows / 2 + 1)
                top = min(top + max(textRows / 2, 1), maxTop())
            case 0x75, 0x15: top = max(top - max(textRows / 2, 1), 0)  // u ^U
            case 0x67, 0x3C:                                           // g <
                if hadCount { fill(lines: n + textRows); top = min(n - 1, maxTop()) } else { top = 0 }
            case 0x47, 0x3E:                                           // G >
                readAll()
                top = hadCount ? min(n - 1, maxTop()) : maxTop()
            case 0x2F, 0x3F:                                           // / ?
                let forward = c == 0x2F
                if let pat = prompt(forward ? "/" : "?") {
                    if !pat.isEmpty {
                        do { pattern = try POSIXRegex(Array(pat.utf8), extended: true, ignoreCase: false); patternText = pat }
                        catch { message = error.message; break }
                    }
                    lastSearchForward = forward
                    for _ in 0..<n { search(forward: forward) }
                }
            case 0x6E: for _ in 0..<n { search(forward: lastSearchForward) }   // n
            case 0x4E: for _ in 0..<n { search(forward: !lastSearchForward) }  // N
            case 0x46: followLoop()                                    // F
            case 0x72, 0x0C, 0x52: out.write("\u{1B}[2J")              // r ^L R
            case 0x1B:                                                 // escape sequences: arrows, ESC-< ESC-> ESC-v
                guard let c2 = readKey() else { return }
                if c2 == 0x5B || c2 == 0x4F {
                    guard let c3 = readKey() else { return }
                    if c3 == 0x41 { top = max(top - n, 0) }
                    else if c3 == 0x42 { fill(lines: top + textRows + n + 1); top = min(top + n, maxTop()) }
                    else if c3 == 0x35 || c3 == 0x36 { _ = readKey(); if c3 == 0x35 { top = max(top - textRows, 0) } else { fill(lines: top + 2 * textRows + 1); top = min(top + textRows, maxTop()) } }
                    else if c3 == 0x48 { top = 0 }
                    else if c3 == 0x46 { readAll(); top = maxTop() }
                } else if c2 == 0x3C { top = 0 }
                else if c2 == 0x3E { readAll(); top = maxTop() }
                else if c2 == 0x76 { top = max(top - textRows, 0) }
            default: break
            }
            draw()
        }
    }
}
