import ToolboxCore

let prlimitApplet = Applet(spec: AppletSpec(
    name: "prlimit",
    summary: "Print or set the resource limits of a process (util-linux prlimit, without running a command)",
    usage: ["[--pid=PID] [--noheadings] [--RESOURCE[=SOFT:HARD]]..."],
    details: """
    Without a RESOURCE option prints every limit, in util-linux's table.
    --RESOURCE (or its short letter) alone selects the row to print;
    --RESOURCE=LIMITS sets it: SOFT:HARD, SOFT: (hard unchanged), :HARD, or
    one value for both; `unlimited` (or `infinity`) for no limit. Setting
    another process's limit needs the same uid or cap_sys_resource.
    RESOURCEs: as (-v), core (-c), cpu (-t), data (-d), fsize (-f), locks (-x),
    memlock (-l), msgqueue (-q), nice (-e), nofile (-n), nproc (-u), rss (-m),
    rtprio (-r), rttime (-y), sigpending (-i), stack (-s).
    """,
    options: [
        .value("p", "pid", "PID", "the process (default: this one)"),
        .flag(nil, "noheadings", "do not print the header line"),
    ]), run: runPrlimit)

/// util-linux's table (sys-utils/prlimit.c): name, description, unit, RLIMIT_*, short letter.
let prlimitResources: [(name: String, desc: String, unit: String, resource: Int32, letter: Character)] = [
    ("AS", "address space limit", "bytes", 9, "v"),
    ("CORE", "max core file size", "bytes", 4, "c"),
    ("CPU", "CPU time", "seconds", 0, "t"),
    ("DATA", "max data size", "bytes", 2, "d"),
    ("FSIZE", "max file size", "bytes", 1, "f"),
    ("LOCKS", "max number of file locks held", "locks", 10, "x"),
    ("MEMLOCK", "max locked-in-memory address space", "bytes", 8, "l"),
    ("MSGQUEUE", "max bytes in POSIX mqueues", "bytes", 12, "q"),
    ("NICE", "max nice prio allowed to raise", "", 13, "e"),
    ("NOFILE", "max number of open files", "files", 7, "n"),
    ("NPROC", "max number of processes", "processes", 6, "u"),
    ("RSS", "max resident set size", "bytes", 5, "m"),
    ("RTPRIO", "max real-time priority", "", 14, "r"),
    ("RTTIME", "timeout for real-time tasks", "microsecs", 15, "y"),
    ("SIGPENDING", "max number of pending signals", "signals", 11, "i"),
    ("STACK", "max stack size", "bytes", 3, "s"),
]

@Sendable
func runPrlimit(_ ctx: Context, _ args: [String]) throws -> Int32 {
    // The resource options take an optional attached value (`--nofile`,
    // `--nofile=1:2`, `-n`, `-n1:2`), which the option table cannot say:
    // they are taken out here, the rest goes through the table.
    var chosen: [(index: Int, limits: String?)] = []
    var rest: [String] = []
    for a in args {
        if a.hasPrefix("--"), let i = prlimitResources.firstIndex(where: { a == "--" + $0.name.lowercased() || a.hasPrefix("--" + $0.name.lowercased() + "=") }) {
            let v = a.firstIndex(of: "=").map { String(a[a.index(after: $0)...]) }
            chosen.append((i, v)); continue
        }
        if a.count >= 2, a.hasPrefix("-"), !a.hasPrefix("--"), let i = prlimitResources.firstIndex(where: { a.dropFirst().first == $0.letter }) {
            let v = a.count > 2 ? String(a.dropFirst(2)) : nil
            chosen.append((i, v)); continue
        }
        rest.append(a)
    }
    let opts = try prlimitApplet.spec.parse(rest)
    if !opts.operands.isEmpty { throw prlimitApplet.spec.usageError("running a command is not supported: use --pid") }
    var pid: Int32 = 0
    if let p = opts.value("pid") {
        guard let v = Int32(p), v > 0 else { throw ToolError.usage("invalid PID argument: '\(p)'") }
        pid = v
    }
    var toPrint: [Int] = []
    for (i, spec) in chosen {
        let r = prlimitResources[i]
        guard let spec else { toPrint.append(i); continue }
        var old = rlimit()
        if getLimit(pid, r.resource, &old) != 0 {
            throw ToolError.failure("failed to get the \(r.name) resource limit: \(Errno.current.description)")
        }
        guard let new = parseLimits(spec, old: old) else { throw ToolError.usage("failed to parse \(r.name) limit") }
        var n = new
        if setLimit(pid, r.resource, &n) != 0 {
            throw ToolError.failure("failed to set the \(r.name) resource limit: \(Errno.current.description)")
        }
    }
    if chosen.isEmpty { toPrint = Array(prlimitResources.indices) }
    if toPrint.isEmpty { return ExitCode.success }
    var rows: [[String]] = []
    for i in toPrint {
        let r = prlimitResources[i]
        var l = rlimit()
        if getLimit(pid, r.resource, &l) != 0 {
            throw ToolError.failure("failed to get the \(r.name) resource limit: \(Errno.current.description)")
        }
        func text(_ v: rlim_t) -> String { v == rlim_t.max ? "unlimited" : String(v) }
        rows.append([r.name, r.desc, text(l.rlim_cur), text(l.rlim_max), r.unit])
    }
    let header = ["RESOURCE", "DESCRIPTION", "SOFT", "HARD", "UNITS"]
    // libsmartcols counts the header's width even with --noheadings.
    var w = [0, 0, 0, 0]
    for row in [header] + rows { for c in 0..<4 { w[c] = max(w[c], row[c].utf8.count) } }
    let all = opts.has("noheadings") ? rows : [header] + rows
    for row in all {
        var line = row[0] + String(repeating: " ", count: w[0] - row[0].utf8.count) + " "
        line += row[1] + String(repeating: " ", count: w[1] - row[1].utf8.count) + " "
        line += String(repeating: " ", count: w[2] - row[2].utf8.count) + row[2] + " "
        line += String(repeating: " ", count: w[3] - row[3].utf8.count) + row[3] + " " + row[4]
        ctx.out.line(line)
    }
    return ExitCode.success
}

/// `SOFT:HARD`, `SOFT:`, `:HARD`, `N` (both); `unlimited`/`infinity`.
func parseLimits(_ spec: String, old: rlimit) -> rlimit? {
    func one(_ s: Substring) -> rlim_t? {
        if s == "unlimited" || s == "infinity" || s == "-1" { return rlim_t.max }
        return rlim_t(s)
    }
    var r = old
    if let colon = spec.firstIndex(of: ":") {
        let soft = spec[..<colon], hard = spec[spec.index(after: colon)...]
        if soft.isEmpty && hard.isEmpty { return nil }
        if !soft.isEmpty { guard let v = one(soft) else { return nil }; r.rlim_cur = v }
        if !hard.isEmpty { guard let v = one(hard) else { return nil }; r.rlim_max = v }
    } else {
        guard let v = one(Substring(spec)) else { return nil }
        r.rlim_cur = v; r.rlim_max = v
    }
    return r
}

func getLimit(_ pid: Int32, _ resource: Int32, _ out: inout rlimit) -> Int32 {
    cshim_prlimit(pid, resource, nil, &out)
}
func setLimit(_ pid: Int32, _ resource: Int32, _ new: inout rlimit) -> Int32 {
    cshim_prlimit(pid, resource, &new, nil)
}
