import ToolboxCore

let xargsApplet = Applet(spec: AppletSpec(
    name: "xargs",
    summary: "Build and run command lines from standard input, as GNU xargs",
    usage: ["[OPTION...] [COMMAND [INITIAL-ARGS...]]"],
    details: """
    COMMAND (default echo) is looked up on PATH; if it is not there but names a toolbox applet, that
    applet runs (this executable started again under the applet's name). The command's standard
    input is /dev/null. Exit status: 123 if a command exited 1-125, 124 if one exited 255, 125 if
    one was killed by a signal, 126 if it could not be run, 127 if it was not found.
    """,
    options: [
        .flag("0", "null", "items are separated by a null, not whitespace; quotes and backslash are not special"),
        .value("n", "max-args", "MAX-ARGS", "use at most MAX-ARGS arguments per command line"),
        .value("I", nil, "REPLACE", "replace REPLACE in INITIAL-ARGS with each input line (implies -L 1)"),
        .value("L", "max-lines", "MAX-LINES", "use at most MAX-LINES non-blank input lines per command line"),
        .value("P", "max-procs", "MAX-PROCS", "run at most MAX-PROCS processes at a time"),
        .flag("r", "no-run-if-empty", "if there are no arguments, do not run COMMAND"),
        .flag("t", "verbose", "print commands before executing them"),
        .value("s", "max-chars", "MAX-CHARS", "limit length of command line to MAX-CHARS"),
    ], permute: false), run: runXargs)

/// Reads xargs items from standard input in GNU's syntax.
private final class XargsInput {
    private let reader: LineReader
    private let nulMode: Bool
    private var pendingLine: [UInt8]? = nil
    private var pos = 0
    private var line: [UInt8] = []
    private(set) var failed: String? = nil

    init(nulMode: Bool) {
        self.nulMode = nulMode
        reader = LineReader(.standardInput, delimiter: nulMode ? 0 : ASCII.newline)
    }

    /// The next input line (-I, -L) as items: blanks separate items unless
    /// `wholeLine`; quotes and backslashes are processed. nil at end.
    func nextLine(wholeLine: Bool) -> (items: [String], continues: Bool)? {
        while true {
            guard let raw = reader.next() else { return nil }
            if nulMode { return ([String(decoding: raw, as: UTF8.self)], false) }
            var items: [String] = []
            var cur: [UInt8] = []
            var have = false
            var i = 0
            var quote: UInt8 = 0
            // -I: leading blanks are dropped and blanks do not split.
            if wholeLine { while i < raw.count && (raw[i] == 0x20 || raw[i] == 0x09) { i += 1 } }
            while i < raw.count {
                let c = raw[i]; i += 1
                if quote != 0 {
                    if c == quote { quote = 0 } else { cur.append(c) }
                    continue
                }
                switch c {
                case 0x27, 0x22: quote = c; have = true
                case 0x5C:
                    if i < raw.count { cur.append(raw[i]); i += 1; have = true }
                case 0x20 where !wholeLine, 0x09 where !wholeLine:
                    if have || !cur.isEmpty { items.append(String(decoding: cur, as: UTF8.self)); cur = []; have = false }
                default: cur.append(c); have = true
                }
            }
            if quote != 0 {
                failed = "unmatched \(quote == 0x27 ? "single" : "double") quote; by default quotes are special to xargs unless you use the -0 option"
                return items.isEmpty ? nil : (items, false)
            }
            if have || !cur.isEmpty { items.append(String(decoding: cur, as: UTF8.self)) }
            let continues = !wholeLine && raw.count > 0 && (raw[raw.count - 1] == 0x20 || raw[raw.count - 1] == 0x09)
            if items.isEmpty && !wholeLine { continue } // blank lines do not count
            if items.isEmpty && wholeLine { continue }
            return (items, continues)
        }
    }
}

@Sendable
func runXargs(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try xargsApplet.spec.parse(args, usageStatus: 1)
    func positive(_ key: String, _ opt: String) throws(ToolError) -> Int? {
        guard let v = p.value(key) else { return nil }
        guard let n = Int(v), n >= (key == "max-procs" ? 0 : 1) else {
            throw ToolError(exitCode: 1, message: "invalid number \"\(v)\" for -\(opt) option")
        }
        return n
    }
    var maxArgs = try positive("max-args", "n")
    var maxLines = try positive("max-lines", "L")
    var procs = try positive("max-procs", "P") ?? 1
    if procs == 0 { procs = Int(Int32.max) }
    let maxChars = try positive("max-chars", "s") ?? 131072
    let replace = p.value("I")
    if replace != nil { maxLines = 1; maxArgs = nil }
    let verbose = p.has("verbose")
    let noRunIfEmpty = p.has("no-run-if-empty")
    var command = p.operands.isEmpty ? ["echo"] : p.operands
    if command[0].isEmpty { command[0] = "echo" }
    let input = XargsInput(nulMode: p.has("null"))
    let runner = XargsRunner(ctx, procs: procs, verbose: verbose)

    var ranAny = false
    var batch: [String] = []
    var batchLines = 0
    var batchBytes = command.reduce(0) { $0 + $1.utf8.count + 1 }
    let baseBytes = batchBytes
    func flush() -> Bool {
        if batch.isEmpty && (ranAny || noRunIfEmpty) { return true }
        ranAny = true
        let ok = runner.start(command + batch)
        batch = []; batchLines = 0; batchBytes = baseBytes
        return ok
    }
    while !runner.aborted && input.failed == nil {
        let wholeLine = replace != nil
        guard let (items, continues) = input.nextLine(wholeLine: wholeLine) else { break }
        if let r = replace {
            // One command per line, with every occurrence of R replaced.
            let item = items.joinedText(" ")
            let argv = command.map { $0.replacingAll(r, with: item) }
            ranAny = true
            if !runner.start(argv) { break }
            continue
        }
        for it in items {
            let size = it.utf8.count + 1
            if !batch.isEmpty && batchBytes + size > maxChars { if !flush() { break } }
            batch.append(it); batchBytes += size
            if let n = maxArgs, batch.count >= n { if !flush() { break } }
        }
        if !continues { batchLines += 1 }
        if let l = maxLines, batchLines >= l, !batch.isEmpty { if !flush() { break } }
    }
    if let f = input.failed {
        if !batch.isEmpty { _ = flush() }
        runner.waitAll()
        ctx.out.flush()
        ctx.note(f)
        return 1
    }
    if !runner.aborted && (!batch.isEmpty || (!ranAny && !noRunIfEmpty && replace == nil)) { _ = flush() }
    runner.waitAll()
    return runner.status
}

private extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        if target.isEmpty { return self }
        let s = Array(utf8), t = Array(target.utf8), r = Array(replacement.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < s.count {
            if i + t.count <= s.count && Array(s[i..<(i + t.count)]) == t { out += r; i += t.count }
            else { out.append(s[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Starts commands (posix_spawn, stdin from /dev/null) and collects their status as GNU xargs does.
private final class XargsRunner {
    let ctx: Context
    let procs: Int
    let verbose: Bool
    private var running: [pid_t: String] = [:]
    private(set) var status: Int32 = 0
    private(set) var aborted = false

    init(_ ctx: Context, procs: Int, verbose: Bool) { self.ctx = ctx; self.procs = procs; self.verbose = verbose }

    /// The program to run: a path as given, else the first match on PATH,
    /// else this executable under an applet's name.
    private func resolve(_ name: String) -> (path: String, argv0: String)? {
        if name.contains("/") { return (name, name) }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            var st = Glibc_stat_t()
            if stat(candidate, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(candidate, X_OK) == 0 {
                return (candidate, name)
            }
        }
        if appletIndex(named: name) != nil { return ("/proc/self/exe", name) }
        return nil
    }

    func start(_ argv: [String]) -> Bool {
        while running.count >= procs { reap(block: true) }
        if aborted { return false }
        if verbose {
            ctx.out.flush()
            ctx.err.write(argv.joinedText(" ") + "\n")
        }
        ctx.out.flush()
        guard let (path, argv0) = resolve(argv[0]) else {
            ctx.note("\(argv[0]): No such file or directory")
            status = 127; aborted = true
            return false
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = ([argv0] + argv.dropFirst()).map { strdup($0) }
        cArgs.append(nil)
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, cArgs, environ)
        if rc != 0 {
            ctx.note("\(argv[0]): \(Errno(rc).description)")
            status = rc == ENOENT ? 127 : 126
            aborted = true
            return false
        }
        running[pid] = argv[0]
        return true
    }

    private func reap(block: Bool) {
        var st: Int32 = 0
        let pid = waitpid(-1, &st, block ? 0 : WNOHANG)
        if pid <= 0 { if pid < 0 && errno != EINTR { running.removeAll() }; return }
        guard let name = running.removeValue(forKey: pid) else { return }
        let sig = st & 0x7f
        if sig != 0 {
            ctx.note("\(name): terminated by signal \(sig)")
            status = 125; aborted = true
            return
        }
        let code = (st >> 8) & 0xff
        if code == 255 {
            ctx.note("\(name): exited with status 255; aborting")
            status = 124; aborted = true
        } else if code == 126 || code == 127 {
            if status == 0 { status = code }
        } else if code != 0 && status == 0 {
            status = 123
        }
    }

    func waitAll() { while !running.isEmpty { reap(block: true) } }
}
