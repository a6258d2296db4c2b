import ToolboxCore

let grepApplet = Applet(spec: AppletSpec(
    name: "grep",
    summary: "Print lines that match patterns (basic, extended or fixed-string), as GNU grep",
    usage: ["[OPTION...] PATTERNS [FILE...]", "[OPTION...] -e PATTERNS ... [FILE...]", "[OPTION...] -f FILE ... [FILE...]"],
    details: """
    PATTERNS may hold several patterns separated by newlines. With no FILE, reads standard input
    (with -r, the working directory). Exit status: 0 if a line is selected, 1 if none, 2 on an
    error (unless -q and a line was selected). Paths under /proc/PID/root are resolved inside
    that container; -r never follows a symbolic link out of it.
    """,
    options: [
        .flag("E", "extended-regexp", "PATTERNS are extended regular expressions"),
        .flag("F", "fixed-strings", "PATTERNS are strings"),
        .flag("G", "basic-regexp", "PATTERNS are basic regular expressions (default)"),
        .value("e", "regexp", "PATTERNS", "use PATTERNS for matching"),
        .value("f", "file", "FILE", "take PATTERNS from FILE"),
        .flag("i", "ignore-case", "ignore case distinctions in patterns and data"),
        .flag(nil, "no-ignore-case", "do not ignore case distinctions (default)"),
        .flag("w", "word-regexp", "match only whole words"),
        .flag("x", "line-regexp", "match only whole lines"),
        .flag("z", "null-data", "a data line ends in 0 byte, not newline"),
        .flag("s", "no-messages", "suppress error messages"),
        .flag("v", "invert-match", "select non-matching lines"),
        .value("m", "max-count", "NUM", "stop after NUM selected lines"),
        .flag("n", "line-number", "print line number with output lines"),
        .flag(nil, "line-buffered", "flush output on every line"),
        .flag("H", "with-filename", "print file name with output lines"),
        .flag("h", "no-filename", "suppress the file name prefix on output"),
        .flag("o", "only-matching", "show only nonempty parts of lines that match"),
        .flag("q", "quiet", "suppress all normal output"),
        .flag(nil, "silent", "same as --quiet"),
        .flag("a", "text", "process a binary file as if it were text"),
        .flag("r", "recursive", "search directories recursively, not following symbolic links"),
        .flag("R", "dereference-recursive", "likewise, but follow all symlinks (inside the container's root)"),
        .value(nil, "include", "GLOB", "search only files that match GLOB"),
        .value(nil, "exclude", "GLOB", "skip files that match GLOB"),
        .value(nil, "exclude-dir", "GLOB", "skip directories that match GLOB"),
        .flag("L", "files-without-match", "print only names of FILEs with no selected lines"),
        .flag("l", "files-with-matches", "print only names of FILEs with selected lines"),
        .flag("c", "count", "print only a count of selected lines per FILE"),
        .flag("Z", "null", "print 0 byte after FILE name"),
        .value("B", "before-context", "NUM", "print NUM lines of leading context"),
        .value("A", "after-context", "NUM", "print NUM lines of trailing context"),
        .value("C", "context", "NUM", "print NUM lines of output context (also -NUM)"),
        .value(nil, "color", "WHEN", "highlight matches: never, always or auto (--color alone is auto)"),
        .value(nil, "colour", "WHEN", "same as --color"),
    ]), run: runGrep)

@Sendable
func runGrep(_ ctx: Context, _ rawArgs: [String]) throws -> Int32 {
    // GNU spellings the table cannot express: --color without a value, -NUM.
    var args: [String] = []
    var seenDashDash = false
    for a in rawArgs {
        if !seenDashDash {
            if a == "--" { seenDashDash = true }
            else if a == "--color" || a == "--colour" { args.append("--color=auto"); continue }
            else if a.count > 1, a.hasPrefix("-"), a.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) {
                args.append("-C"); args.append(String(a.dropFirst())); continue
            }
        }
        args.append(a)
    }
    let p = try grepApplet.spec.parse(args)
    var operands = p.operands

    // Patterns: -e and -f in order, else the first operand.
    var patterns: [[UInt8]] = []
    var anyPatternOption = false
    func addPatterns(_ text: [UInt8], fromFile: Bool) {
        var lines = text.split(separator: ASCII.newline, omittingEmptySubsequences: false).map(Array.init)
        if fromFile, lines.last?.isEmpty == true { lines.removeLast() }
        patterns += lines
    }
    for occ in p.occurrences {
        if occ.key == "regexp", let v = occ.value { anyPatternOption = true; addPatterns(Array(v.utf8), fromFile: false) }
        if occ.key == "file", let v = occ.value {
            anyPatternOption = true
            do {
                let text: [UInt8]
                if v == "-" { text = try ReadBuffer(capacity: 4096).contents(of: .standardInput) }
                else { text = try FileSession(ctx, verbose: false).opener.open(v, flags: O_RDONLY).fd.withClose { fd throws(Errno) in try ReadBuffer(capacity: 4096).contents(of: fd) } }
                addPatterns(text, fromFile: true)
            } catch let e as PathError {
                throw ToolError(exitCode: 2, message: e.gnuMessage)
            } catch let e as Errno {
                throw ToolError(exitCode: 2, message: "\(v): \(e.description)")
            }
        }
    }
    if !anyPatternOption {
        guard !operands.isEmpty else { throw grepApplet.spec.usageError("no pattern given") }
        addPatterns(Array(operands.removeFirst().utf8), fromFile: false)
    }

    func number(_ key: String, _ what: String) throws(ToolError) -> Int? {
        guard let v = p.value(key) else { return nil }
        guard let n = Int(v), n >= 0 else {
            if let n = Int(v), n < 0, key == "max-count" { return Int.max }
            throw ToolError(exitCode: 2, message: "\(v): invalid \(what) argument")
        }
        return n
    }
    let context = try number("context", "context length")
    let cfg = GrepConfig()
    cfg.before = try number("before-context", "context length") ?? context ?? 0
    cfg.after = try number("after-context", "context length") ?? context ?? 0
    cfg.maxCount = try number("max-count", "max count") ?? Int.max
    // The last of -E/-F/-G wins.
    var extended = false, fixedStrings = false
    for k in p.order {
        if k == "extended-regexp" { extended = true; fixedStrings = false }
        if k == "fixed-strings" { fixedStrings = true; extended = false }
        if k == "basic-regexp" { extended = false; fixedStrings = false }
    }
    var ignoreCase = false
    for k in p.order { if k == "ignore-case" { ignoreCase = true } else if k == "no-ignore-case" { ignoreCase = false } }
    cfg.eol = p.has("null-data") ? 0 : ASCII.newline
    cfg.invert = p.has("invert-match")
    cfg.countOnly = p.has("count")
    cfg.quiet = p.has("quiet") || p.has("silent")
    cfg.noMessages = p.has("no-messages")
    cfg.lineNumbers = p.has("line-number")
    cfg.onlyMatching = p.has("only-matching")
    cfg.text = p.has("text")
    cfg.nullAfterName = p.has("null")
    cfg.lineBuffered = p.has("line-buffered")
    // -l and -L: the last one given wins (GNU).
    for k in p.order {
        if k == "files-with-matches" { cfg.listMatching = true; cfg.listNonMatching = false }
        if k == "files-without-match" { cfg.listNonMatching = true; cfg.listMatching = false }
    }
    let recursive = p.has("recursive") || p.has("dereference-recursive")
    cfg.followLinks = p.has("dereference-recursive")
    cfg.includes = p.values("include"); cfg.excludes = p.values("exclude"); cfg.excludeDirs = p.values("exclude-dir")
    let when = p.value("color") ?? p.value("colour") ?? "never"
    switch when {
    case "always", "yes", "force": cfg.color = true
    case "never", "no", "none": cfg.color = false
    case "auto", "tty", "if-tty":
        let term = getenv("TERM").map { String(cString: $0) }
        cfg.color = ctx.out.isTerminal && term != nil && term != "dumb"
    default:
        throw ToolError(exitCode: 2, message: "invalid argument '\(when)' for '--color'\nValid arguments are:\n  - 'always', 'yes', 'force'\n  - 'never', 'no', 'none'\n  - 'auto', 'tty', 'if-tty'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.")
    }

    let matcher = try GrepMatcher(patterns: patterns, extended: extended, fixedStrings: fixedStrings,
                                  ignoreCase: ignoreCase, word: p.has("word-regexp"), wholeLine: p.has("line-regexp"),
                                  eol: cfg.eol)
    if cfg.quiet { cfg.listMatching = false; cfg.listNonMatching = false; cfg.countOnly = false }
    if p.has("with-filename") || p.has("no-filename") {
        var named = false
        for k in p.order { if k == "with-filename" { named = true } else if k == "no-filename" { named = false } }
        cfg.names = named ? .always : .never
    } else if operands.count > 1 {
        cfg.names = .always
    } else {
        cfg.names = recursive ? .insideDirectories : .never
    }

    let run = GrepRun(ctx, cfg, matcher)
    if cfg.maxCount == 0 { return 1 }
    if operands.isEmpty { operands = [recursive ? "." : "-"]; run.implicitDot = recursive }
    for op in operands {
        if run.quitAll { break }
        run.searchOperand(op, recursive: recursive)
        if ctx.out.isBroken { break }
    }
    ctx.out.flush()
    if run.quitAll && run.anySelected { return 0 }
    if run.hadError { return 2 }
    return run.anySelected ? 0 : 1
}

extension FileDescriptor {
    /// Runs `body` with the descriptor and closes it afterwards.
    func withClose<R>(_ body: (FileDescriptor) throws(Errno) -> R) throws(Errno) -> R {
        defer { close() }
        return try body(self)
    }
}

final class GrepConfig {
    enum Names { case always, never, insideDirectories }
    var before = 0, after = 0, maxCount = Int.max
    var eol: UInt8 = ASCII.newline
    var invert = false, countOnly = false, quiet = false, noMessages = false
    var lineNumbers = false, onlyMatching = false, text = false, nullAfterName = false
    var listMatching = false, listNonMatching = false, lineBuffered = false
    var followLinks = false, color = false
    var includes: [String] = [], excludes: [String] = [], excludeDirs: [String] = []
    var names: Names = .never
}

/// One grep invocation: the reused block buffer and the per-file state.
final class GrepRun {
    let ctx: Context
    let cfg: GrepConfig
    let m: GrepMatcher
    let out: OutputWriter
    let session: FileSession
    var implicitDot = false
    private(set) var anySelected = false
    private(set) var hadError = false
    private(set) var quitAll = false
    /// The one directory walker (-r, -R), reused across operands.
    private lazy var walker = DirectoryWalk()
    /// Something was printed (a `--` separates later context groups, across files too).
    private var printedGroup = false

    // The block buffer: buf[0..<len] holds input from absolute offset `base`.
    private var buf: UnsafeMutablePointer<UInt8>
    private var cap: Int
    private var base = 0
    private var len = 0

    // Per-file state.
    private var name: [UInt8] = []
    private var showName = false
    private var selected = 0
    private var lineNo = 1          // number of the line starting at lineNoAt
    private var lineNoAt = 0        // absolute offset of a line start
    private var lastPrintedEnd = -1 // absolute offset after the last printed line
    private var afterLeft = 0
    private var maxReached = false
    private var stopFile = false
    private var sawNul = false
    private let readSize = 1 << 18

    init(_ ctx: Context, _ cfg: GrepConfig, _ m: GrepMatcher) {
        self.ctx = ctx; self.cfg = cfg; self.m = m; out = ctx.out
        session = FileSession(ctx, verbose: false)
        cap = 1 << 19
        buf = .allocate(capacity: cap)
    }
    deinit { buf.deallocate() }

    private func report(_ message: String) {
        hadError = true
        if cfg.noMessages { return }
        out.flush()
        ctx.note(message)
    }

    private func excluded(_ path: String, commandLine: Bool) -> Bool {
        if cfg.includes.isEmpty && cfg.excludes.isEmpty { return false }
        let baseName = path.split(separator: "/").last.map(String.init) ?? path
        func matches(_ g: String) -> Bool {
            fnmatch(g, baseName, 0) == 0 || (commandLine && fnmatch(g, path, 0) == 0)
        }
        for g in cfg.excludes where matches(g) { return true }
        if !cfg.includes.isEmpty && !cfg.includes.contains(where: matches) { return true }
        return false
    }

    private func excludedDir(_ path: String) -> Bool {
        if cfg.excludeDirs.isEmpty { return false }
        let baseName = path.split(separator: "/").last.map(String.init) ?? path
        return cfg.excludeDirs.contains { fnmatch($0, baseName, 0) == 0 }
    }

    // MARK: operands and recursion

    func searchOperand(_ op: String, recursive: Bool) {
        if op == "-" {
            searchFD(.standardInput, display: "(standard input)", named: cfg.names == .always)
            return
        }
        if !recursive && excluded(op, commandLine: true) { return }
        let fd: FileDescriptor
        do { fd = try session.opener.open(op, flags: O_RDONLY | O_NOATIME | (recursive ? O_NONBLOCK : 0)).fd }
        catch { report(error.gnuMessage); return }
        guard let st = try? fd.stat() else { fd.close(); report("\(op): read error"); return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            if !recursive { fd.close(); report("\(op): Is a directory"); return }
            if excludedDir(op) && !implicitDot { fd.close(); return }
            walk(fd, op)
            return
        }
        if recursive && excluded(op, commandLine: true) { fd.close(); return }
        if recursive { clearNonBlocking(fd) }
        if isOutputFile(st) { report("\(op): input file is also the output"); fd.close(); return }
        searchFD(fd, display: op, named: cfg.names == .always)
        fd.close()
    }

    /// Standard output's identity when it is a regular file (GNU grep
    /// refuses to read its own output: it would grow forever).
    private lazy var outputIdentity: (UInt64, UInt64)? = {
        guard let fd = out.descriptor, let st = try? fd.stat(), (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }()

    private func isOutputFile(_ st: Glibc_stat_t) -> Bool {
        if cfg.quiet || cfg.listMatching || cfg.listNonMatching || cfg.countOnly || cfg.maxCount <= 1 { return false }
        guard out.descriptor != nil, let id = outputIdentity else { return false }
        return id.0 == UInt64(st.st_dev) && id.1 == UInt64(st.st_ino) && (st.st_mode & S_IFMT) == S_IFREG
    }

    private func clearNonBlocking(_ fd: FileDescriptor) {
        let fl = fcntl(fd.rawValue, F_GETFL)
        if fl >= 0 { _ = fcntl(fd.rawValue, F_SETFL, fl & ~O_NONBLOCK) }
    }

    /// -r/-R below the open directory `fd` (named `top`) with the one
    /// walker (DirectoryWalk): depth first, pre-order, entries in readdir
    /// order (GNU grep's fts order); files and subdirectories opened
    /// relative to their directory, so any depth, a few descriptors, no
    /// recursion. -R resolves a symbolic link by its path through the
    /// resolver (inside the container's root under /proc/PID/root) and
    /// enters a directory it leads to as followed; a directory already
    /// being walked (a loop) is reported as GNU does and skipped.
    private func walk(_ fd: FileDescriptor, _ top: String) {
        do { try walker.start(fd, name: top.utf8) } catch { report("\(top): \(error.description)"); return }
        defer { walker.finish() }
        walker.reopenFollowed = cfg.followLinks ? { [session] p throws(Errno) in
            do throws(PathError) { return try session.opener.open(String(decoding: p, as: UTF8.self), flags: O_RDONLY | O_DIRECTORY | O_NOATIME).fd } catch { throw error.errno }
        } : nil
        readDirectory()
        while !quitAll && !out.isBroken {
            guard let e = walker.next() else {
                if walker.depth == 0 { return }
                if let lost = walker.leave() { report("\(display(lost.path)): \(lost.message)") }
                continue
            }
            visit(e)
        }
    }

    private func readDirectory() {
        do { try walker.read() } catch { report("\(display(walker.path)): \(error.description)") }
    }

    /// A path of the walk as GNU prints it (no `./` when grep -r was given no operand).
    private func display(_ path: [UInt8]) -> String {
        String(decoding: implicitDot && path.count > 2 ? path[2...] : path[...], as: UTF8.self)
    }

    /// One entry of the current directory (its path in `walker.path`):
    /// directories entered, regular files searched, symbolic links skipped
    /// (-r) or resolved (-R); devices, FIFOs and sockets skipped.
    private func visit(_ e: DirectoryWalk.Entry) {
        let dir = walker.directory
        var type = e.type
        if type == DirentType.unknown {
            var st = Glibc_stat_t()
            guard fstatat(dir.rawValue, e.name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                report("\(display(walker.path)): \(Errno.current.description)"); return
            }
            type = UInt8((st.st_mode & S_IFMT) >> 12)
        }
        let name = String(cString: e.name)
        do throws(Errno) {
            switch type {
            case DirentType.directory:
                if excludedDir(name) { return }
                let fd = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
                    try FileDescriptor.open(cPath: e.name, f, relativeTo: dir)
                }
                try opened(fd, name, followed: false)
            case DirentType.regular:
                if excluded(name, commandLine: false) { return }
                let fd = try openNoAtime(O_RDONLY | O_NOATIME | O_NONBLOCK | O_NOFOLLOW) { f throws(Errno) in
                    try FileDescriptor.open(cPath: e.name, f, relativeTo: dir)
                }
                try opened(fd, name, followed: false)
            case DirentType.symlink where cfg.followLinks:
                // What the link leads to, resolved inside the container's root.
                let path = String(decoding: walker.path, as: UTF8.self)
                let target: FileDescriptor
                do throws(PathError) { target = try session.opener.open(path, flags: O_PATH).fd } catch { throw error.errno }
                let st: Glibc_stat_t
                do { st = try target.stat() } catch { target.close(); throw error }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    defer { target.close() }
                    if excludedDir(name) { return }
                    let fd = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                        try FileDescriptor.open(".", f, relativeTo: target)
                    }
                    try opened(fd, name, followed: true)
                } else {
                    target.close()
                    if (st.st_mode & S_IFMT) != S_IFREG || excluded(name, commandLine: false) { return }
                    let fd: FileDescriptor
                    do throws(PathError) { fd = try session.opener.open(path, flags: O_RDONLY | O_NOATIME | O_NONBLOCK).fd } catch { throw error.errno }
                    try opened(fd, name, followed: true)
                }
            default:
                return
            }
        } catch {
            // -r: an entry that turned into a symbolic link is skipped silently (GNU).
            if error.rawValue == ELOOP && !cfg.followLinks { return }
            report("\(display(walker.path)): \(error.description)")
        }
    }

    /// An entry opened (as `fd`, which this closes): a regular file is
    /// searched, a directory entered (unless it is being walked already:
    /// a loop), anything else skipped.
    private func opened(_ fd: FileDescriptor, _ name: String, followed: Bool) throws(Errno) {
        let st: Glibc_stat_t
        do { st = try fd.stat() } catch { fd.close(); throw error }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            if excludedDir(name) { fd.close(); return }
            if walker.depth(of: UInt64(st.st_dev), UInt64(st.st_ino)) != nil {
                fd.close()
                // GNU: a warning, not an error (the exit status is unchanged).
                if !cfg.noMessages { out.flush(); ctx.note("\(display(walker.path)): warning: recursive directory loop") }
                return
            }
            walker.enter(fd, st, followed: followed)
            readDirectory()
        case S_IFREG:
            defer { fd.close() }
            let display = display(walker.path)
            if isOutputFile(st) { report("\(display): input file is also the output"); return }
            clearNonBlocking(fd)
            searchFD(fd, display: display, named: cfg.names != .never)
        default:
            fd.close()
        }
    }

    // MARK: one file

    private func searchFD(_ fd: FileDescriptor, display: String, named: Bool) {
        name = Array(display.utf8)
        showName = named
        selected = 0; lineNo = 1; lineNoAt = 0; lastPrintedEnd = -1; afterLeft = 0
        maxReached = false; stopFile = false; sawNul = false
        base = 0; len = 0
        let mayBlock: Bool
        if let st = try? fd.stat() { mayBlock = (st.st_mode & S_IFMT) != S_IFREG } else { mayBlock = true }
        let checkNul = !cfg.text && cfg.eol == ASCII.newline
        var scan = 0
        var eof = false
        while !eof && !stopFile {
            if len == cap { grow() }
            if mayBlock || cfg.lineBuffered { out.flush() }
            let n: Int
            do { n = try fd.read(into: UnsafeMutableRawBufferPointer(start: buf + len, count: min(cap - len, max(readSize, cap - len)))) }
            catch {
                if error.rawValue == EISDIR { report("\(display): Is a directory") } else { report("\(display): \(error.description)") }
                break
            }
            if n == 0 { eof = true }
            else {
                if checkNul && !sawNul && memchr(buf + len, 0, n) != nil { sawNul = true }
                len += n
            }
            let regionEnd: Int
            if eof { regionEnd = len }
            else {
                guard let last = cshim_memrchr(buf + scan, Int32(cfg.eol), len - scan) else { continue }
                regionEnd = last - UnsafePointer(buf) + 1
            }
            if regionEnd > scan {
                processRegion(scan, regionEnd)
                scan = regionEnd
            }
            if !eof && !stopFile {
                let kept = compact(scan)
                scan = kept
            }
        }
        finishFile()
        if cfg.lineBuffered { out.flush() }
    }

    /// Moves the unprocessed tail (and the lines a -B context may need) to
    /// the front of the buffer; returns the new index of `scan`.
    @discardableResult
    private func compact(_ scan: Int) -> Int {
        var keep = scan
        if cfg.before > 0 {
            var k = 0
            while k < cfg.before && keep > 0 {
                guard let prev = cshim_memrchr(buf, Int32(cfg.eol), keep - 1) else { keep = 0; break }
                keep = prev - UnsafePointer(buf) + 1
                k += 1
            }
            // Lines already printed are not needed again.
            let printed = lastPrintedEnd - base
            if printed > keep && printed <= scan { keep = printed }
        }
        if cfg.lineNumbers { advanceLineNumber(to: base + keep) }
        if keep > 0 {
            if len > keep { memmove(buf, buf + keep, len - keep) }
            len -= keep
            base += keep
        }
        if len == cap { grow() }
        return scan - keep
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: cap * 2)
        bigger.update(from: buf, count: len)
        buf.deallocate()
        buf = bigger; cap *= 2
    }

    private func finishFile() {
        if cfg.countOnly {
            writeName(sep: ASCII.colon)
            out.decimal(selected)
            out.byte(ASCII.newline)
        }
        if cfg.listNonMatching && selected == 0 {
            out.write(name.isEmpty ? Array("(standard input)".utf8) : name)
            out.byte(cfg.nullAfterName ? 0 : ASCII.newline)
        }
    }

    // MARK: regions

    @inline(__always) private func lineEnd(_ from: Int, _ end: Int) -> Int {
        guard let hit = memchr(buf + from, Int32(cfg.eol), end - from) else { return end }
        return UnsafeMutablePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - buf
    }
    @inline(__always) private func lineStart(_ at: Int, _ floor: Int) -> Int {
        guard at > floor, let hit = cshim_memrchr(buf + floor, Int32(cfg.eol), at - floor) else { return floor }
        return hit - UnsafePointer(buf) + 1
    }

    /// Handles the complete lines in buf[rs..<re].
    private func processRegion(_ rs: Int, _ re: Int) {
        m.beginRegion()
        var pos = rs
        let p = UnsafePointer(buf)
        if maxReached {
            trailingContext(upTo: re, from: pos)
            if afterLeft == 0 { stopFile = true }
            return
        }
        while pos < re && !stopFile && !maxReached {
            var found = false
            var mls = re, mle = re
            var cpos = pos
            while cpos < re {
                guard let c = m.nextCandidate(p, cpos, re) else { break }
                let ls = lineStart(c, cpos)
                let le = lineEnd(c, re)
                if m.candidateIsMatch || m.lineMatches(p + ls, le - ls) {
                    found = true; mls = ls; mle = le
                    break
                }
                cpos = le + 1
            }
            if !cfg.invert {
                if !found { break }
                selectLine(mls, mle, regionEnd: re)
                pos = mle + 1
            } else {
                selectGap(pos, found ? mls : re, regionEnd: re)
                pos = found ? mle + 1 : re
            }
        }
        if maxReached { if afterLeft == 0 { stopFile = true }; return }
        flushAfterContext(upTo: base + re)
    }

    /// Every line in buf[from..<to] is selected (-v).
    private func selectGap(_ from: Int, _ to: Int, regionEnd: Int) {
        if from >= to { return }
        if (cfg.countOnly || cfg.listMatching || cfg.listNonMatching || cfg.quiet) && cfg.maxCount == Int.max && !cfg.quiet && !cfg.listMatching {
            // Only the number matters.
            let n = cshim_count_byte(buf + from, to - from, cfg.eol) + (buf[to - 1] == cfg.eol ? 0 : 1)
            selected += n
            anySelected = true
            if cfg.listNonMatching { stopFile = true }
            return
        }
        var ls = from
        while ls < to && !stopFile {
            let le = lineEnd(ls, to)
            selectLine(ls, le, regionEnd: regionEnd)
            ls = le + 1
        }
    }

    private func selectLine(_ ls: Int, _ le: Int, regionEnd: Int) {
        selected += 1
        anySelected = true
        if cfg.quiet { quitAll = true; stopFile = true; return }
        if cfg.listMatching {
            out.write(name); out.byte(cfg.nullAfterName ? 0 : ASCII.newline)
            stopFile = true; return
        }
        if cfg.listNonMatching { stopFile = true; return }
        if cfg.countOnly {
            if selected >= cfg.maxCount { stopFile = true }
            return
        }
        if sawNul {
            out.flush()
            ctx.note("\(String(decoding: name, as: UTF8.self)): binary file matches")
            stopFile = true
            return
        }
        // Trailing context of the previous match, then leading context of this one.
        flushAfterContext(upTo: base + ls)
        if cfg.before > 0 {
            var start = ls
            var k = 0
            let floor = max(0, lastPrintedEnd - base)
            while k < cfg.before && start > floor {
                start = lineStart(start - 1, floor)
                k += 1
            }
            separatorIfNeeded(base + start)
            var s = start
            while s < ls {
                let e = lineEnd(s, ls)
                printLine(s, e, sep: 0x2D, context: true)
                s = e + 1
            }
        } else {
            separatorIfNeeded(base + ls)
        }
        printLine(ls, le, sep: ASCII.colon, context: false)
        afterLeft = cfg.after
        if selected >= cfg.maxCount {
            maxReached = true
            if afterLeft == 0 { stopFile = true }
            else {
                trailingContext(upTo: regionEnd, from: min(le + 1, regionEnd))
                if afterLeft == 0 { stopFile = true }
            }
        }
    }

    /// After -m's last line: its trailing context (GNU prints these lines even when they match).
    private func trailingContext(upTo re: Int, from: Int) {
        var s = max(from, lastPrintedEnd - base)
        while afterLeft > 0 && s < re {
            let e = lineEnd(s, re)
            printLine(s, e, sep: 0x2D, context: true)
            afterLeft -= 1
            s = e + 1
        }
    }

    private func separatorIfNeeded(_ absStart: Int) {
        guard cfg.before > 0 || cfg.after > 0 else { return }
        if printedGroup && (lastPrintedEnd < 0 || absStart > lastPrintedEnd) {
            if cfg.color { out.write("\u{1B}[36m\u{1B}[K--\u{1B}[m\u{1B}[K\n") } else { out.write("--\n") }
        }
    }

    /// Prints up to `afterLeft` lines following the last printed line, before `absEnd`.
    private func flushAfterContext(upTo absEnd: Int) {
        guard afterLeft > 0, lastPrintedEnd >= 0 else { return }
        var s = lastPrintedEnd - base
        let end = absEnd - base
        while afterLeft > 0 && s < end && s < len {
            let e = lineEnd(s, end)
            printLine(s, e, sep: 0x2D, context: true)
            afterLeft -= 1
            s = e + 1
        }
    }

    private func advanceLineNumber(to abs: Int) {
        if abs > lineNoAt {
            lineNo += cshim_count_byte(buf + (lineNoAt - base), abs - lineNoAt, cfg.eol)
            lineNoAt = abs
        }
    }

    private func writeName(sep: UInt8) {
        guard showName else { return }
        if cfg.color { out.write("\u{1B}[35m\u{1B}[K"); out.write(name); out.write("\u{1B}[m\u{1B}[K") } else { out.write(name) }
        if cfg.nullAfterName { out.byte(0) } else { writeSep(sep) }
    }

    @inline(__always) private func writeSep(_ sep: UInt8) {
        if cfg.color { out.write("\u{1B}[36m\u{1B}[K"); out.byte(sep); out.write("\u{1B}[m\u{1B}[K") } else { out.byte(sep) }
    }

    private func writePrefix(_ ls: Int, sep: UInt8) {
        writeName(sep: sep)
        if cfg.lineNumbers {
            advanceLineNumber(to: base + ls)
            if cfg.color { out.write("\u{1B}[32m\u{1B}[K"); out.decimal(lineNo); out.write("\u{1B}[m\u{1B}[K") } else { out.decimal(lineNo) }
            writeSep(sep)
        }
    }

    private func printLine(_ ls: Int, _ le: Int, sep: UInt8, context: Bool) {
        let p = UnsafePointer(buf) + ls
        let n = le - ls
        if cfg.onlyMatching {
            if !context && !cfg.invert {
                var from = 0
                while from <= n, let (s, e) = m.nextMatch(p, n, from: from) {
                    if e == s { from = s + 1; continue }
                    writePrefix(ls, sep: sep)
                    if cfg.color { out.write("\u{1B}[01;31m\u{1B}[K"); out.write(Bytes(start: p + s, count: e - s)); out.write("\u{1B}[m\u{1B}[K") }
                    else { out.write(Bytes(start: p + s, count: e - s)) }
                    out.byte(cfg.eol)
                    from = e
                }
            }
            lastPrintedEnd = base + min(le + 1, len)
            printedGroup = true
            return
        }
        writePrefix(ls, sep: sep)
        if cfg.color && (context == cfg.invert) {
            var from = 0, written = 0
            while from <= n, let (s, e) = m.nextMatch(p, n, from: from) {
                if e == s { from = s + 1; continue }
                out.write(Bytes(start: p + written, count: s - written))
                out.write("\u{1B}[01;31m\u{1B}[K"); out.write(Bytes(start: p + s, count: e - s)); out.write("\u{1B}[m\u{1B}[K")
                written = e; from = e
            }
            out.write(Bytes(start: p + written, count: n - written))
        } else {
            out.write(Bytes(start: p, count: n))
        }
        out.byte(cfg.eol)
        lastPrintedEnd = base + min(le + 1, len)
        printedGroup = true
    }
}
