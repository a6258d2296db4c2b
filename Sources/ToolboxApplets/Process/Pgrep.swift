import ToolboxCore

let pgrepApplet = Applet(spec: AppletSpec(
    name: "pgrep",
    summary: "List the processes whose name (or command line) matches PATTERN and the other criteria (procps pgrep)",
    usage: ["[OPTION]... [PATTERN]"],
    details: """
    PATTERN is a POSIX extended regular expression (glibc regcomp), matched
    against the process name (the 15-character comm) or, with -f, the command line
    (arguments joined by spaces; [comm] when it is empty, as procps). Every given
    criterion must hold; a list (1,2,3) matches any of its members. USER and GROUP
    names come from the debugger's own /etc/passwd and /etc/group. pgrep never
    lists itself. Exit 0 when something matched, 1 when nothing did, 2 on a usage
    error.
    """,
    options: processMatchOptions + [
        .value("d", "delimiter", "STRING", "output delimiter (default: newline)"),
        .flag("l", "list-name", "list PID and process name"),
        .flag("a", "list-full", "list PID and full command line"),
        .flag("v", "inverse", "negate the matching"),
    ]), run: { ctx, args in try runProcessMatch(ctx, args, kill: false) })

/// The selection options pgrep and pkill share.
let processMatchOptions: [Option] = [
    .flag("c", "count", "print the number of matching processes instead"),
    .flag("f", "full", "match PATTERN against the full command line"),
    .value("g", "pgroup", "PGID,...", "match process group IDs (0: this one's)"),
    .value("G", "group", "GID,...", "match real group IDs (names or numbers)"),
    .flag("i", "ignore-case", "match case-insensitively"),
    .flag("n", "newest", "select only the most recently started"),
    .flag("o", "oldest", "select only the least recently started"),
    .value("P", "parent", "PPID,...", "match only children of these parents"),
    .value("s", "session", "SID,...", "match session IDs (0: this one's)"),
    .value("u", "euid", "USER,...", "match effective user IDs (names or numbers)"),
    .value("U", "uid", "USER,...", "match real user IDs (names or numbers)"),
    .flag("x", "exact", "require PATTERN to match the whole name (or command line with -f)"),
    .value(nil, "signal", "SIGNAL", "signal to send (pkill; also -SIGNAL)"),
]

/// procps exit codes.
enum PgrepExit { static let usage: Int32 = 2, fatal: Int32 = 3 }

/// The selection pgrep and pkill make, and what they do with it.
func runProcessMatch(_ ctx: Context, _ rawArgs: [String], kill signalling: Bool) throws -> Int32 {
    let spec = signalling ? pkillApplet.spec : pgrepApplet.spec
    var args = rawArgs
    var signal: Int32 = SIGTERM
    if signalling, let i = args.firstIndex(where: { $0.hasPrefix("-") && $0.count > 1 && Signals.number(String($0.dropFirst())) != nil }) {
        signal = Signals.number(String(args[i].dropFirst()))!
        args.remove(at: i)
    }
    let p = try spec.parse(args, usageExit: PgrepExit.usage)
    func usage(_ m: String) -> ToolError { ToolError(exitCode: PgrepExit.usage, message: m + "\nTry `\(spec.name) --help' for more information.") }
    if let s = p.value("signal") {
        guard let n = Signals.number(s) else { throw ToolError(exitCode: PgrepExit.usage, message: "Unknown signal \"\(s)\".") }
        signal = n
    }
    let newest = p.has("newest"), oldest = p.has("oldest"), negate = p.has("inverse")
    if [newest, oldest, negate].filter({ $0 }).count > 1 { throw usage("-n, -o and -v are exclusive") }
    if p.operands.count > 1 { throw usage("only one pattern can be provided") }
    let pattern = p.operands.first
    let full = p.has("full"), listFull = p.has("list-full"), listName = p.has("list-name")

    let names = HostNames(ctx)
    func numbers(_ key: String, zero: Int32? = nil) throws -> [Int64]? {
        guard p.has(key) else { return nil }
        return try p.values(key).flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { t in
            guard let v = Int64(t) else { throw ToolError(exitCode: PgrepExit.usage, message: "not a number: \(t)") }
            return v == 0 && zero != nil ? Int64(zero!) : v
        }
    }
    func ids(_ key: String, _ table: IDNames, _ what: String) throws -> [Int64]? {
        guard p.has(key) else { return nil }
        return try p.values(key).flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { t in
            if let id = table.id(String(t)) { return Int64(id) }
            guard let v = UInt32(t) else { throw ToolError(exitCode: PgrepExit.usage, message: "invalid \(what) name: \(t)") }
            return Int64(v)
        }
    }
    let parents = try numbers("parent"), sessions = try numbers("session", zero: getsid(0))
    let groupsOfProcess = try numbers("pgroup", zero: getpgrp())
    let euids = try ids("euid", names.users, "user"), ruids = try ids("uid", names.users, "user")
    let rgids = try ids("group", names.groups, "group")
    let criteria = [parents, sessions, groupsOfProcess, euids, ruids, rgids].contains { $0 != nil } || newest || oldest
    if pattern == nil && !criteria { throw usage("no matching criteria specified") }

    var regex = regex_t()
    if let pattern {
        if !full && pattern.utf8.count > 15 {
            ctx.note("pattern that searches for process name longer than 15 characters will result in zero matches\nTry `\(spec.name) -f' option to match against the complete command line.")
        }
        let re = p.has("exact") ? "^(\(pattern))$" : pattern
        let rc = regcomp(&regex, re, REG_EXTENDED | REG_NOSUB | (p.has("ignore-case") ? REG_ICASE : 0))
        if rc != 0 {
            var buf = [UInt8](repeating: 0, count: 256)
            buf.withUnsafeMutableBufferPointer { b in
                _ = regerror(rc, &regex, UnsafeMutableRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), b.count)
            }
            throw ToolError(exitCode: PgrepExit.usage, message: "regex error: \(String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self))")
        }
    }
    defer { if pattern != nil { regfree(&regex) } }

    var needs: ProcessTable.Needs = []
    if full || listFull { needs.insert(.cmdline) }
    if ruids != nil || rgids != nil { needs.insert(.status) }
    do { try ctx.procfs.requireMounted() } catch { throw ToolError(exitCode: PgrepExit.fatal, message: error.message) }
    let table: ProcessTable
    do { table = try ProcessTable(procfs: ctx.procfs, needs: needs) } catch {
        throw ToolError(exitCode: PgrepExit.fatal, message: "\(ctx.procfs.root): \(error.description)")
    }
    table.scan()
    let me = getpid()
    var text: [UInt8] = []
    text.reserveCapacity(4096)
    /// The command line joined by spaces, or [comm] when it is empty (procps).
    func commandLine(_ e: ProcessTable.Entry) {
        text.removeAll(keepingCapacity: true)
        if e.argsCount > 0 {
            var args = table.bytes(e.argsOffset, e.argsCount)
            if args.last == 0 { args = args.dropLast() }
            for b in args { text.append(b == 0 ? ASCII.space : b) }
        } else {
            text.append(0x5B); text.append(contentsOf: table.bytes(e.commOffset, e.commCount)); text.append(0x5D)
        }
    }
    func contains(_ list: [Int64]?, _ v: Int64) -> Bool { list.map { $0.contains(v) } ?? true }
    var selected: [Int] = []
    var saved: (start: UInt64, index: Int)? = nil
    for (index, e) in table.entries.enumerated() {
        if e.stat.pid == me { continue }
        var match = contains(parents, Int64(e.stat.ppid)) && contains(sessions, Int64(e.stat.session))
            && contains(groupsOfProcess, Int64(e.stat.pgrp)) && contains(euids, Int64(e.euid))
            && contains(ruids, Int64(e.ruid)) && contains(rgids, Int64(e.rgid))
        if match && pattern != nil {
            if full { commandLine(e) } else {
                text.removeAll(keepingCapacity: true); text.append(contentsOf: table.bytes(e.commOffset, e.commCount))
            }
            text.append(0)
            match = text.withUnsafeBufferPointer { b in
                regexec(&regex, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), 0, nil, 0) == 0
            }
        }
        guard match != negate else { continue }
        if newest || oldest {
            let st = e.stat.startTime
            if let s = saved, newest ? st < s.start : st >= s.start { continue }
            saved = (st, index)
            continue
        }
        selected.append(index)
    }
    if let s = saved { selected = [s.index] }

    let out = ctx.out
    if signalling {
        var delivered = 0
        for index in selected {
            let e = table.entries[index]
            if kill(e.stat.pid, signal) == 0 {
                delivered += 1
                if p.has("echo") {
                    out.write(table.bytes(e.commOffset, e.commCount).map { $0 })
                    out.write(" killed (pid "); out.decimal(e.stat.pid); out.write(")\n")
                }
                continue
            }
            let err = Errno.current
            if err == .noSuchProcess { continue }
            out.flush()
            ctx.note("killing pid \(e.stat.pid) failed: \(err.description)")
        }
        if p.has("count") { out.decimal(selected.count); out.byte(ASCII.newline) }
        return delivered > 0 ? ExitCode.success : ExitCode.failure
    }
    if p.has("count") {
        out.decimal(selected.count); out.byte(ASCII.newline)
        return selected.isEmpty ? ExitCode.failure : ExitCode.success
    }
    let delimiter = Array((p.value("delimiter") ?? "\n").utf8)
    for (k, index) in selected.enumerated() {
        let e = table.entries[index]
        out.decimal(e.stat.pid)
        if listFull { commandLine(e); out.byte(ASCII.space); out.write(text) }
        else if listName { out.byte(ASCII.space); out.write(table.bytes(e.commOffset, e.commCount).map { $0 }) }
        if k + 1 < selected.count { out.write(delimiter) } else { out.byte(ASCII.newline) }
        if out.isBroken { break }
    }
    return selected.isEmpty ? ExitCode.failure : ExitCode.success
}
