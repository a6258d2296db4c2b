import ToolboxCore

let psApplet = Applet(spec: AppletSpec(
    name: "ps",
    summary: "List processes like procps ps, with user names and container ids as each process's own container sees them",
    usage: ["[-efFljyLN] [-o KEYS] [-p PIDS] [-u USERS] [-C NAMES] [-g SESS|GROUPS] [-s SESS] [-t TTYS] [--sort KEYS] [--forest] [--json|--jsonl] [PID...]", "aux"],
    details: """
    Forms: `ps` (your processes on this terminal), `ps -e` / `-A` (all), `ps -f` (full),
    `ps -ef`, `ps aux` (BSD letters a, u, x, w, f, h without a dash), `ps -o pid,user,args`,
    `ps -l`, `-j`, `-F`, `-ly` (procps's column sets). Bare PID operands (`ps 1234`, `ps 1 2`,
    `-PGID`, `+SID`) select as -p does and, as in procps, switch to BSD defaults (STAT, BSD
    TIME, full command line). Selections (-p -u -C -g -s -t, operands) add up; -N inverts.
    On a terminal the last column is cut at the width (COLUMNS, else the terminal's; -w: at
    least 132, -ww: never), never on a pipe.
    -o takes a comma list of keys; `key=HEADER` renames the column (up to the next
    comma), `key:WIDTH` sets its width; the keys are listed after the options.
    User and group names come from /etc/passwd and /etc/group inside each process's own
    root (/proc/PID/root); ids without a name print in full, never truncated.
    `container` is the 12-character container id from /proc/PID/cgroup (containerd,
    CRI-O, docker, podman), with `(infra)` appended for a pod's infra process (/pause,
    /usr/bin/pod, catatonit); `-` outside a container.
    """,
    options: [
        .flag("e", nil, "select every process"),
        .flag("A", nil, "select every process (same as -e)"),
        .flag("f", nil, "full format: UID PID PPID C STIME TTY TIME CMD"),
        .flag("F", nil, "extra full format: adds SZ RSS PSR"),
        .flag("l", nil, "long format: F S UID PID PPID C PRI NI ADDR SZ WCHAN"),
        .flag("j", nil, "jobs format: adds PGID SID"),
        .flag("y", nil, "with -l: RSS instead of ADDR, no F column"),
        .flag("N", "deselect", "invert the selection"),
        .value("C", nil, "NAMES", "select by command name (comm; comma list)"),
        .value("g", nil, "SESS|GROUPS", "select by session ids, or else by effective group names"),
        .value("s", nil, "SESS", "select by session ids"),
        .value("t", nil, "TTYS", "select by terminal (pts/1, tty2, ttyS0, console, - for none)"),
        .value("o", "format", "KEYS", "output the given keys (comma list; key=HEADER, key:WIDTH)"),
        .value("p", "pid", "PIDS", "select these process ids (comma or space list)"),
        .value("u", "user", "USERS", "select processes whose effective user is one of these (names or ids)"),
        .flag("H", nil, "show the process tree, indented two blanks per level"),
        .flag(nil, "forest", "show the process tree with \\_ branches"),
        .value(nil, "sort", "KEYS", "sort by keys; -key sorts descending"),
        .flag("L", nil, "show threads (LWP, NLWP columns with -f)"),
        .flag("w", nil, "wide output on a terminal: at least 132 columns; twice: unlimited"),
        .flag(nil, "no-headers", "print no header line"),
        .flag(nil, "no-heading", "print no header line"),
        .flag(nil, "json", "one JSON array of the selected processes, a member per key (docs/json.md)"),
        .flag(nil, "jsonl", "the --json objects as JSON Lines: one per process and line"),
        .flag(nil, "containers", "all processes grouped by container: CONTAINER PID USER STIME TIME CMD"),
        .flag(nil, "verbose", "say when names come from this container's files instead of the process's own"),
    ], appendix: psKeysHelp), run: runPs)

/// The key list of --help, from psKeyTable itself (so -o and the help
/// cannot drift): each key with help, its header, and the aliases that
/// share its PsKey.
@Sendable func psKeysHelp() -> String {
    var s = "Keys (-o, --sort; aliases after the first name):\n"
    for k in psKeyTable where !k.help.isEmpty {
        let names = ([k.name] + psKeyTable.filter { $0.help.isEmpty && $0.key == k.key }.map(\.name)).joinedText(" ")
        let left = "  " + names + String(repeating: " ", count: max(1, 28 - names.count)) + k.header
        s += left + String(repeating: " ", count: max(1, 42 - left.count)) + k.help + "\n"
    }
    return s
}

// MARK: - Keys

enum PsKey: Sendable {
    case pid, ppid, pgid, sid, tgid, lwp, uid, ruid, user, ruser, gid, rgid, group, rgroup
    case tty, stat, state, time, bsdtime, etime, etimes, stime, start, args, comm
    case rss, vsz, pcpu, pmem, c, nlwp, ni, pri, wchan, container
    case flag, addr, sz, opri, psr
}

enum PsAlign { case right, left, user, unlimited, wchan }

struct PsKeyInfo {
    let name: String
    let key: PsKey
    let header: String
    let width: Int
    let align: PsAlign
    /// Width follows /proc/sys/kernel/pid_max.
    var pidWidth: Bool = false
    /// What the key shows, for `ps --help`; empty for an alias (another
    /// name of a key listed with its help).
    var help: String = ""
}

/// procps ps/output.c format_array, the keys toolbox supports (sorted by name).
let psKeyTable: [PsKeyInfo] = [
    PsKeyInfo(name: "%cpu", key: .pcpu, header: "%CPU", width: 4, align: .right, help: "CPU time used / time since start, in percent"),
    PsKeyInfo(name: "%mem", key: .pmem, header: "%MEM", width: 4, align: .right, help: "resident memory / physical memory, in percent"),
    PsKeyInfo(name: "addr", key: .addr, header: "ADDR", width: 4, align: .right, help: "ADDR column of -l (always -)"),
    PsKeyInfo(name: "addr_1", key: .addr, header: "ADDR", width: 1, align: .left),
    PsKeyInfo(name: "args", key: .args, header: "COMMAND", width: 27, align: .unlimited, help: "the full command line"),
    PsKeyInfo(name: "bsdtime", key: .bsdtime, header: "TIME", width: 6, align: .right, help: "user + system CPU time, MMM:SS"),
    PsKeyInfo(name: "c", key: .c, header: "C", width: 2, align: .right, help: "processor utilization, integer percent (-f's C)"),
    PsKeyInfo(name: "cmd", key: .args, header: "CMD", width: 27, align: .unlimited),
    PsKeyInfo(name: "comm", key: .comm, header: "COMMAND", width: 15, align: .unlimited, help: "the command name (/proc/PID/comm)"),
    PsKeyInfo(name: "command", key: .args, header: "COMMAND", width: 27, align: .unlimited),
    PsKeyInfo(name: "container", key: .container, header: "CONTAINER", width: 12, align: .left, help: "container id from /proc/PID/cgroup, (infra) for a pod's infra process"),
    PsKeyInfo(name: "cputime", key: .time, header: "TIME", width: 8, align: .right),
    PsKeyInfo(name: "egid", key: .gid, header: "EGID", width: 5, align: .right),
    PsKeyInfo(name: "egroup", key: .group, header: "EGROUP", width: 8, align: .user),
    PsKeyInfo(name: "etime", key: .etime, header: "ELAPSED", width: 11, align: .right, help: "time since start, [[DD-]HH:]MM:SS"),
    PsKeyInfo(name: "etimes", key: .etimes, header: "ELAPSED", width: 7, align: .right, help: "time since start, seconds"),
    PsKeyInfo(name: "euid", key: .uid, header: "EUID", width: 5, align: .right),
    PsKeyInfo(name: "euser", key: .user, header: "EUSER", width: 8, align: .user),
    PsKeyInfo(name: "f", key: .flag, header: "F", width: 1, align: .right, help: "process flags, as procps prints F"),
    PsKeyInfo(name: "flags", key: .flag, header: "F", width: 1, align: .right),
    PsKeyInfo(name: "gid", key: .gid, header: "GID", width: 5, align: .right, help: "effective group id"),
    PsKeyInfo(name: "group", key: .group, header: "GROUP", width: 8, align: .user, help: "effective group name (the process's own /etc/group)"),
    PsKeyInfo(name: "lwp", key: .lwp, header: "LWP", width: 5, align: .right, pidWidth: true, help: "thread id (with -L)"),
    PsKeyInfo(name: "ni", key: .ni, header: "NI", width: 3, align: .right, help: "nice value"),
    PsKeyInfo(name: "nice", key: .ni, header: "NI", width: 3, align: .right),
    PsKeyInfo(name: "nlwp", key: .nlwp, header: "NLWP", width: 4, align: .right, help: "number of threads"),
    PsKeyInfo(name: "opri", key: .opri, header: "PRI", width: 3, align: .right, help: "priority on procps's opri scale"),
    PsKeyInfo(name: "pcpu", key: .pcpu, header: "%CPU", width: 4, align: .right),
    PsKeyInfo(name: "pgid", key: .pgid, header: "PGID", width: 5, align: .right, pidWidth: true, help: "process group id"),
    PsKeyInfo(name: "pgrp", key: .pgid, header: "PGRP", width: 5, align: .right, pidWidth: true),
    PsKeyInfo(name: "pid", key: .pid, header: "PID", width: 5, align: .right, pidWidth: true, help: "process id"),
    PsKeyInfo(name: "pmem", key: .pmem, header: "%MEM", width: 4, align: .right),
    PsKeyInfo(name: "ppid", key: .ppid, header: "PPID", width: 5, align: .right, pidWidth: true, help: "parent process id"),
    PsKeyInfo(name: "pri", key: .pri, header: "PRI", width: 3, align: .right, help: "priority as -l prints it"),
    PsKeyInfo(name: "psr", key: .psr, header: "PSR", width: 3, align: .right, help: "processor last run on"),
    PsKeyInfo(name: "rgid", key: .rgid, header: "RGID", width: 5, align: .right, help: "real group id"),
    PsKeyInfo(name: "rgroup", key: .rgroup, header: "RGROUP", width: 8, align: .user, help: "real group name"),
    PsKeyInfo(name: "rss", key: .rss, header: "RSS", width: 5, align: .right, help: "resident set size, KiB"),
    PsKeyInfo(name: "rsz", key: .rss, header: "RSZ", width: 5, align: .right),
    PsKeyInfo(name: "ruid", key: .ruid, header: "RUID", width: 5, align: .right, help: "real user id"),
    PsKeyInfo(name: "ruser", key: .ruser, header: "RUSER", width: 8, align: .user, help: "real user name"),
    PsKeyInfo(name: "s", key: .state, header: "S", width: 1, align: .left, help: "one-letter state (R S D Z T t X I)"),
    PsKeyInfo(name: "sess", key: .sid, header: "SESS", width: 5, align: .right, pidWidth: true),
    PsKeyInfo(name: "session", key: .sid, header: "SESS", width: 5, align: .right, pidWidth: true),
    PsKeyInfo(name: "sid", key: .sid, header: "SID", width: 5, align: .right, pidWidth: true, help: "session id"),
    PsKeyInfo(name: "spid", key: .lwp, header: "SPID", width: 5, align: .right, pidWidth: true),
    PsKeyInfo(name: "start", key: .start, header: "STARTED", width: 8, align: .right, help: "start time, HH:MM:SS today, else Mon DD"),
    PsKeyInfo(name: "start_time", key: .stime, header: "START", width: 5, align: .right),
    PsKeyInfo(name: "stat", key: .stat, header: "STAT", width: 4, align: .left, help: "state with BSD flags (< N L s l +)"),
    PsKeyInfo(name: "state", key: .state, header: "S", width: 1, align: .left),
    PsKeyInfo(name: "stime", key: .stime, header: "STIME", width: 5, align: .right, help: "start time, HH:MM today, else MonDD or the year"),
    PsKeyInfo(name: "sz", key: .sz, header: "SZ", width: 5, align: .right, help: "size in pages of the core image"),
    PsKeyInfo(name: "tgid", key: .tgid, header: "TGID", width: 5, align: .right, pidWidth: true, help: "thread group id (the process id of a thread)"),
    PsKeyInfo(name: "thcount", key: .nlwp, header: "THCNT", width: 5, align: .right),
    PsKeyInfo(name: "tid", key: .lwp, header: "TID", width: 5, align: .right, pidWidth: true),
    PsKeyInfo(name: "time", key: .time, header: "TIME", width: 8, align: .right, help: "user + system CPU time, [DD-]HH:MM:SS"),
    PsKeyInfo(name: "tname", key: .tty, header: "TTY", width: 8, align: .left),
    PsKeyInfo(name: "tt", key: .tty, header: "TT", width: 8, align: .left),
    PsKeyInfo(name: "tty", key: .tty, header: "TT", width: 8, align: .left, help: "controlling terminal (pts/1, tty2; ? without)"),
    PsKeyInfo(name: "ucmd", key: .comm, header: "CMD", width: 15, align: .unlimited),
    PsKeyInfo(name: "ucomm", key: .comm, header: "COMMAND", width: 15, align: .unlimited),
    PsKeyInfo(name: "uid", key: .uid, header: "UID", width: 5, align: .right, help: "effective user id"),
    PsKeyInfo(name: "uid_hack", key: .user, header: "UID", width: 8, align: .user),
    PsKeyInfo(name: "uname", key: .user, header: "USER", width: 8, align: .user),
    PsKeyInfo(name: "user", key: .user, header: "USER", width: 8, align: .user, help: "effective user name (the process's own /etc/passwd)"),
    PsKeyInfo(name: "vsize", key: .vsz, header: "VSZ", width: 6, align: .right),
    PsKeyInfo(name: "vsz", key: .vsz, header: "VSZ", width: 6, align: .right, help: "virtual memory size, KiB"),
    PsKeyInfo(name: "wchan", key: .wchan, header: "WCHAN", width: 6, align: .wchan, help: "kernel function the process sleeps in"),
]

func psKeyInfo(_ name: String) -> PsKeyInfo? {
    var lo = 0, hi = psKeyTable.count - 1
    while lo <= hi {
        let mid = (lo + hi) / 2
        let n = psKeyTable[mid].name
        if n == name { return psKeyTable[mid] }
        if n < name { lo = mid + 1 } else { hi = mid - 1 }
    }
    return nil
}

struct PsColumn {
    var info: PsKeyInfo
    var header: String
    var width: Int
}

/// Parses one -o argument: `a,b,c`, `key=HEADER` (up to the next comma, as
/// procps 4 does), `key:WIDTH`.
func parsePsFormat(_ spec: String, pidWidth: Int) throws(ToolError) -> [PsColumn] {
    var cols: [PsColumn] = []
    var rest = Substring(spec)
    while true {
        // Separators: commas and blanks.
        while let f = rest.first, f == "," || f == " " { rest = rest.dropFirst() }
        if rest.isEmpty { break }
        var token: Substring
        var header: String?
        if let stop = rest.firstIndex(where: { $0 == "," || $0 == " " || $0 == "=" }) {
            token = rest[..<stop]
            if rest[stop] == "=" {
                let h = rest[rest.index(after: stop)...]
                let end = h.firstIndex(of: ",") ?? h.endIndex
                header = String(h[..<end])
                rest = h[end...]
            } else {
                rest = rest[stop...]
            }
        } else {
            token = rest; rest = ""
        }
        var width: Int?
        if let colon = token.firstIndex(of: ":") {
            guard let w = Int(token[token.index(after: colon)...]), w > 0, w < 4096 else {
                throw .usage("bad width in '\(token)'")
            }
            width = w
            token = token[..<colon]
        }
        guard let info = psKeyInfo(String(token)) else { throw .usage("unknown key '\(token)' in -o (see toolbox ps --help)") }
        var w = width ?? (info.pidWidth ? max(info.width, pidWidth) : info.width)
        let h = header ?? info.header
        // A header given (or a width) widens the column to fit it; procps's
        // own headers may be wider than their column (ADDR).
        if header != nil || width != nil, h.utf8.count > w { w = h.utf8.count }
        cols.append(PsColumn(info: info, header: h, width: w))
    }
    return cols
}

// MARK: - Command line

struct PsOptions {
    var all = false
    var full = false
    var formats: [String] = []
    var pids: [Int32] = []
    var users: [String] = []
    var forest = false
    /// -H: procps "unixy" forest (two blanks per level, no adoption by pid 1).
    var unixForest = false
    var sort: [String] = []
    var threads = false
    var noHeaders = false
    var json = false, jsonLines = false
    var containers = false
    var verbose = false
    var bsd = false
    var bsdA = false, bsdX = false, bsdU = false
    /// procps prefer_bsd_defaults: BSD letters or PID operands.
    var preferBSD = false
    /// -l, -F, -j, -y (procps FF_Ul, FM_F, FM_j, FM_y).
    var long = false, extraFull = false, jobs = false, lModifierY = false
    var negate = false
    var commands: [String] = []
    var sessions: [Int32] = []
    var pgrps: [Int32] = []
    var egids: [UInt32] = []
    /// -t: device numbers as /proc/PID/stat's tty_nr (0 = no terminal).
    var ttys: [UInt32] = []
    /// -w count (procps w_count).
    var wide = 0

    /// Any list selection (procps selection_list).
    var hasList: Bool {
        !pids.isEmpty || !users.isEmpty || !commands.isEmpty || !sessions.isEmpty || !pgrps.isEmpty
            || !egids.isEmpty || !ttys.isEmpty
    }
}

/// procps parse_pid: a decimal (or 0x hex, 0 octal) number in 1...2^31-1.
func parsePsPID(_ f: Substring) throws(ToolError) -> Int32 {
    var t = f, radix = 10
    if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2); radix = 16 } else if t.count > 1, t.hasPrefix("0") { t = t.dropFirst(); radix = 8 }
    guard !t.isEmpty, let v = Int64(t, radix: radix) else { throw .usage("process ID list syntax error: '\(f)'") }
    guard v >= 1, v <= 0x7fff_ffff else { throw .usage("process ID out of range: '\(f)'") }
    return Int32(v)
}

func psList(_ s: String) -> [Substring] { s.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) }

/// The argument after `prev` is that option's value (not an operand).
func psTakesValue(_ prev: String) -> Bool {
    if prev.hasPrefix("--") { return !prev.utf8.contains(0x3D) && ["--format", "--pid", "--user", "--sort"].contains(prev) }
    guard prev.hasPrefix("-"), prev.count >= 2 else { return false }
    // A short cluster: the first value letter takes the rest, or the next argument when last.
    for (i, c) in prev.dropFirst().enumerated() where "opuCgst".contains(c) { return i == prev.count - 2 }
    return false
}

func parsePsArguments(_ args: [String], hostRoot: String = "", groups: IDNames? = nil) throws(ToolError) -> PsOptions {
    var o = PsOptions()
    var rest: [String] = []
    var trailing: [String] = []
    for (i, a) in args.enumerated() {
        if !trailing.isEmpty { trailing.append(a); continue }
        let afterValueOption = i > 0 && psTakesValue(args[i - 1])
        // procps parse_trailing_pids: from the first PID (or -PGID, +SID)
        // operand on, every argument is one.
        if !afterValueOption, let f = a.utf8.first,
           ASCII.isDigit(f) || f == 0x2B || (f == 0x2D && a.utf8.count > 1 && ASCII.isDigit(a.utf8[a.utf8.index(after: a.utf8.startIndex)])) {
            trailing.append(a); continue
        }
        // BSD letters without a dash: aux, ax, axu, x, u, auxf, auxww, h.
        if !a.hasPrefix("-"), !a.isEmpty, a.allSatisfy({ "auxwfh".contains($0) }), !afterValueOption {
            o.bsd = true
            for c in a {
                switch c {
                case "a": o.bsdA = true
                case "u": o.bsdU = true
                case "x": o.bsdX = true
                case "f": o.forest = true
                case "h": o.noHeaders = true
                case "w": o.wide += 1
                default: break
                }
            }
            continue
        }
        rest.append(a)
    }
    let p = try psApplet.spec.parse(rest)
    if let op = p.operands.first { throw .usage("unexpected operand '\(op)'") }
    o.preferBSD = o.bsd || !trailing.isEmpty
    for t in trailing {
        let f = t.utf8.first
        let v = try parsePsPID(f == 0x2B || f == 0x2D ? t.dropFirst() : Substring(t))
        if f == 0x2B { o.sessions.append(v) } else if f == 0x2D { o.pgrps.append(v) } else { o.pids.append(v) }
    }
    o.all = p.has("e") || p.has("A")
    o.extraFull = p.has("F")
    o.full = p.has("f") || o.extraFull
    o.long = p.has("l")
    o.jobs = p.has("j")
    o.lModifierY = p.has("y")
    if o.lModifierY && !o.long { throw .usage("modifier -y without format -l makes no sense") }
    o.negate = p.has("deselect")
    o.wide += p.count("w")
    o.formats = p.values("format")
    for list in p.values("pid") {
        for f in psList(list) {
            guard let v = Int32(f), v > 0 else { throw .usage("process ID list syntax error: '\(f)'") }
            o.pids.append(v)
        }
    }
    for list in p.values("user") { o.users += psList(list).map(String.init) }
    for list in p.values("C") { o.commands += psList(list).map(String.init) }
    for list in p.values("s") { for f in psList(list) { o.sessions.append(try parsePsPID(f)) } }
    for list in p.values("g") {
        // procps: a list of session ids, or else of effective group names/ids.
        let items = psList(list)
        var sess: [Int32] = []
        for f in items { guard let v = try? parsePsPID(f) else { sess = []; break }; sess.append(v) }
        if !sess.isEmpty { o.sessions += sess; continue }
        for f in items {
            if let v = UInt32(f) { o.egids.append(v) } else if let v = groups?.id(String(f)) { o.egids.append(v) } else {
                throw .usage("list of session leaders OR effective group IDs was invalid: '\(f)'")
            }
        }
    }
    for list in p.values("t") { for f in psList(list) { o.ttys.append(try psTerminal(String(f), hostRoot: hostRoot)) } }
    o.unixForest = p.has("H") && !p.has("forest") && !o.forest
    o.forest = o.forest || p.has("H") || p.has("forest")
    for s in p.values("sort") {
        for k in s.split(separator: ",") { o.sort.append(String(k)) }
    }
    o.threads = p.has("L")
    o.noHeaders = o.noHeaders || p.has("no-headers") || p.has("no-heading")
    o.json = p.has("json") || p.has("jsonl"); o.jsonLines = p.has("jsonl")
    o.containers = p.has("containers")
    o.verbose = p.has("verbose")
    return o
}

/// procps parse_tty: the device number of /dev/pts/T, /dev/T, /dev/ttyT,
/// /dev/ptyT or /dev/Tnsole (T absolute: as is); `-` and `?` mean none.
func psTerminal(_ t: String, hostRoot: String) throws(ToolError) -> UInt32 {
    let candidates = t.hasPrefix("/") ? [t] : ["/dev/pts/\(t)", "/dev/\(t)", "/dev/tty\(t)", "/dev/pty\(t)", "/dev/\(t)nsole"]
    for c in candidates {
        guard let st = try? fileStatus(hostRoot + c) else { continue }
        guard st.st_mode & S_IFMT == S_IFCHR else { throw .usage("list member was not a TTY: '\(t)'") }
        return UInt32(truncatingIfNeeded: st.st_rdev)
    }
    if t == "-" || t == "?" { return 0 }
    throw .usage("TTY could not be found: '\(t)'")
}

/// procps generate_sysv_list (sortformat.c): the column set of -f, -l, -j,
/// -F, -y, -L and of the BSD defaults, built back to front as procps does.
func psSysvFormat(_ o: PsOptions) -> String {
    var k: [String] = []
    if o.preferBSD {
        k.append(o.full || o.long ? "cmd" : "args"); k.append("bsdtime")
        if !o.long { k.append("stat") }
    } else {
        k.append(o.full ? "cmd" : "ucmd"); k.append("time")
    }
    k.append("tname")
    if o.full { k.append("stime") }
    if o.extraFull {
        k.append("psr")
        if !(o.long && o.lModifierY) { k.append("rss") }
    }
    if o.long { k.append("wchan") }
    if o.extraFull || o.long { k.append("sz") }
    if o.long { k.append(o.lModifierY ? "rss" : "addr_1"); k.append("ni"); k.append("opri") }
    if o.threads && o.full { k.append("nlwp") }
    if o.full || o.long { k.append("c") }
    if o.threads { k.append("lwp") }
    if o.jobs { k.append("sid"); k.append("pgid") }
    if o.full || o.long { k.append("ppid") }
    k.append("pid")
    if o.full { k.append("uid_hack") } else if o.long { k.append("uid") }
    if o.long { k.append("s"); if !o.lModifierY { k.append("f") } }
    return k.reversed().joinedText(",")
}

// MARK: - System values

struct PsClock {
    var hertz: UInt64 = 100
    var uptime: Double = 0
    var bootTime: Int = 0
    var now: Int = 0
    var memTotalKB: UInt64 = 0
    var pageKB: UInt64 = 4
    var pidWidth = 5
    var myEUID: UInt32 = 0
    var myTTY: Int32 = 0

    init(_ procfs: ProcFS) {
        let h = sysconf(Int32(_SC_CLK_TCK))
        hertz = h > 0 ? UInt64(h) : 100
        let ps = sysconf(Int32(_SC_PAGESIZE))
        pageKB = ps >= 1024 ? UInt64(ps) / 1024 : 4
        now = time(nil)
        let buf = ReadBuffer(capacity: 8192)
        if let b = try? buf.readFile("\(procfs.root)/uptime") {
            var whole = 0.0, frac = 0.0, scale = 0.1, inFrac = false
            for c in b {
                if c == 0x2E { inFrac = true; continue }
                guard ASCII.isDigit(c) else { break }
                if inFrac { frac += Double(c - 0x30) * scale; scale /= 10 } else { whole = whole * 10 + Double(c - 0x30) }
            }
            uptime = min(whole + frac, 1e12)
        }
        if let b = try? buf.readFile("\(procfs.root)/stat") {
            var sc = ByteScanner(b)
            while !sc.atEnd {
                let line = sc.upTo(ASCII.newline)
                if line.count > 6, Bytes(rebasing: line[0..<6]).equals("btime ") {
                    var v = ByteScanner(Bytes(rebasing: line[6...]))
                    bootTime = Int(clamping: v.uint() ?? 0)
                }
            }
        }
        if bootTime == 0 { bootTime = now - Int(uptime) }
        if let b = try? buf.readFile("\(procfs.root)/meminfo") {
            var sc = ByteScanner(b)
            let line = sc.upTo(ASCII.newline)
            var v = ByteScanner(line)
            _ = v.upTo(ASCII.colon)
            memTotalKB = v.uint() ?? 0
        }
        if let b = try? buf.readFile("\(procfs.root)/sys/kernel/pid_max") {
            var n = 0
            for c in b where ASCII.isDigit(c) { n += 1 }
            if n > 0 { pidWidth = n }
        }
        if let b = try? buf.readFile("\(procfs.root)/self/stat"), let s = PidStat.parse(b) {
            myTTY = s.ttyNr
        }
        myEUID = geteuid()
    }
}

// MARK: - Entry point

@Sendable
func runPs(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let hostRoot = ctx.hostRoot
    let names = RootNames(procfs: ctx.procfs, hostRoot: hostRoot)
    var o = try parsePsArguments(args, hostRoot: hostRoot, groups: names.hostNames.groups)
    let clock = PsClock(ctx.procfs)

    // Columns.
    var cols: [PsColumn] = []
    if !o.formats.isEmpty {
        for f in o.formats { cols += try parsePsFormat(f, pidWidth: clock.pidWidth) }
    } else if o.containers {
        cols = try parsePsFormat("container,pid,user,stime,time,args", pidWidth: clock.pidWidth)
    } else if o.bsd && o.bsdU {
        cols = try parsePsFormat("user,pid,%cpu,%mem,vsz,rss,tname,stat,start_time,bsdtime,args", pidWidth: clock.pidWidth)
    } else {
        cols = try parsePsFormat(psSysvFormat(o), pidWidth: clock.pidWidth)
    }
    if cols.isEmpty { throw ToolError.usage("empty format list") }
    if o.containers {
        o.all = true
        if o.sort.isEmpty { o.sort = ["container", "pid"] }
    }
    // Without -f (and outside BSD and -o), args/cmd print the command name
    // as procps does (it does not read cmdline then).
    let argsAreFull = o.full || o.preferBSD || !o.formats.isEmpty || o.containers
    let commIsFull = o.full

    // What to read.
    var needs: ProcessTable.Needs = []
    var sortKeys: [(PsKey, Bool)] = []
    for s in o.sort {
        var name = Substring(s), descending = false
        if name.hasPrefix("-") { descending = true; name = name.dropFirst() } else if name.hasPrefix("+") { name = name.dropFirst() }
        guard let info = psKeyInfo(String(name)) else { throw ToolError.usage("unknown sort key '\(name)'") }
        sortKeys.append((info.key, descending))
    }
    let usedKeys = cols.map { $0.info.key } + sortKeys.map { $0.0 }
    for k in usedKeys {
        switch k {
        case .args: if argsAreFull { needs.insert(.cmdline) }
        case .comm: if commIsFull { needs.insert(.cmdline) }
        case .container: needs.insert(.cgroup); needs.insert(.cmdline)
        case .user, .ruser, .group, .rgroup: needs.insert(.root)
        case .wchan: needs.insert(.wchan)
        default: break
        }
        switch k {
        case .ruid, .rgid, .ruser, .rgroup, .stat, .rss, .pmem, .vsz, .sz: needs.insert(.status)
        default: break
        }
    }
    if !o.users.isEmpty { needs.insert(.root) }

    try ctx.procfs.requireMounted()
    let table: ProcessTable
    do { table = try ProcessTable(procfs: ctx.procfs, needs: needs) } catch {
        throw ToolError.failure("\(ctx.procfs.root)", error)
    }
    let selectAll = o.all || (o.bsdA && o.bsdX)
    let simple = o.bsdA || o.bsdX
    let onlyPids: Set<Int32>? = (!selectAll && !simple && !o.negate && !o.pids.isEmpty && o.users.isEmpty
        && o.commands.isEmpty && o.sessions.isEmpty && o.pgrps.isEmpty && o.egids.isEmpty && o.ttys.isEmpty) ? Set(o.pids) : nil
    table.scan(only: onlyPids)

    // Selection: procps want_this_proc (select.c): the simple selection
    // (BSD a/x, or the default) or any list, then -N.
    let pidSet = Set(o.pids)
    let hostUsers = names.hostNames.users
    var selected: [Int] = []
    selected.reserveCapacity(table.entries.count)
    for (i, e) in table.entries.enumerated() {
        var want = selectAll
        if !want, simple || !o.hasList {
            if simple {
                want = o.bsdA ? e.stat.ttyNr != 0 : e.euid == clock.myEUID
            } else {
                want = e.euid == clock.myEUID && (o.preferBSD ? e.stat.ttyNr != 0 : e.stat.ttyNr == clock.myTTY)
            }
        }
        if !want, o.hasList {
            let s = e.stat
            want = pidSet.contains(e.tgid) || o.sessions.contains(s.session) || o.pgrps.contains(s.pgrp)
                || o.egids.contains(e.egid) || o.ttys.contains(UInt32(bitPattern: s.ttyNr))
            if !want, !o.commands.isEmpty {
                let c = table.bytes(e.commOffset, e.commCount)
                for name in o.commands {
                    // procps: a 15-byte comm (the kernel's cut) matches a longer name's first 15.
                    let n = name.utf8
                    if c.elementsEqual(n.prefix(63)) || (c.count == 15 && n.count >= 15 && c.elementsEqual(n.prefix(15))) { want = true; break }
                }
            }
            if !want, !o.users.isEmpty {
                let n = names.names(root: e.root, in: table).users
                for u in o.users {
                    if let v = UInt32(u), v == e.euid { want = true; break }
                    if n.name(e.euid) == u || hostUsers.id(u) == e.euid { want = true; break }
                }
            }
        }
        if o.negate { want = !want }
        if want { selected.append(i) }
    }

    // Rows (threads expand here).
    var rows: [ProcessTable.Entry] = []
    rows.reserveCapacity(selected.count)
    for i in selected {
        if o.threads { rows += table.threads(of: i) } else { rows.append(table.entries[i]) }
    }

    let r = PsRenderer(ctx: ctx, table: table, names: names, clock: clock, argsAreFull: argsAreFull, commIsFull: commIsFull)

    // Order.
    var order: [(Int, Int)] = []   // (row, forest depth prefix index)
    var prefixes: [[UInt8]] = [[]]
    if o.forest {
        order = r.forestOrder(rows, sortKeys: sortKeys, unix: o.unixForest, prefixes: &prefixes)
    } else if !sortKeys.isEmpty {
        var idx = Array(rows.indices)
        idx.sort { a, b in
            for (k, desc) in sortKeys {
                let c = r.compare(rows[a], rows[b], k)
                if c != 0 { return desc ? c > 0 : c < 0 }
            }
            return a < b
        }
        order = idx.map { ($0, 0) }
    } else {
        order = rows.indices.map { ($0, 0) }
    }

    if o.json {
        r.writeJSON(rows, order, cols, lines: o.jsonLines)
    } else {
        // User/group columns widen to the longest name: never truncated.
        // So does the container column (`<id>(infra)` is 19 wide).
        for c in cols.indices where cols[c].info.align == .user || cols[c].info.key == .container {
            var w = cols[c].width
            for (i, _) in order { w = max(w, r.cellWidth(rows[i], cols[c].info.key)) }
            cols[c].width = w
        }
        r.setScreen(cols, wide: o.wide)
        if !o.noHeaders && cols.contains(where: { !$0.header.isEmpty }) { r.row(nil, cols, prefix: []) }
        for (i, p) in order {
            if ctx.out.isBroken { break }
            r.row(rows[i], cols, prefix: prefixes[p])
        }
    }
    if o.verbose, needs.contains(.root), let f = table.rootFailure ?? names.deniedRoot {
        ctx.note("/proc/\(f.pid)/root: \(f.error.message): user and group names for such processes come from this container's /etc/passwd and /etc/group")
    }
    if o.verbose {
        for f in names.fallbacks {
            ctx.noteOnce("fallback-\(f.pid)", "\(f.reason): names for processes in that root come from this container's /etc/passwd and /etc/group")
        }
        for f in names.rejected {
            ctx.noteOnce("rejected-" + f.reason, "\(f.reason): ids of processes in that root are shown as numbers")
        }
    }
    if let stalled = helperStallNote() { ctx.out.flush(); ctx.note(stalled) }
    // procps exits 1 when nothing was selected.
    return order.isEmpty ? ExitCode.failure : ExitCode.success
}

// MARK: - Rendering

final class PsRenderer {
    let ctx: Context
    let table: ProcessTable
    let names: RootNames
    let clock: PsClock
    let argsAreFull: Bool
    let commIsFull: Bool
    let cell = ByteCell(capacity: 4096)
    var screenCols = Int.max
    let utf8: Bool
    /// Names rendered per (root, id), so a name is not re-encoded per row.
    var userCache: [UInt64: [UInt8]] = [:]
    var groupCache: [UInt64: [UInt8]] = [:]
    var ttyNames: [UInt32: [UInt8]] = [:]
    var ttyDrivers: [TtyDriver]?

    init(ctx: Context, table: ProcessTable, names: RootNames, clock: PsClock, argsAreFull: Bool, commIsFull: Bool) {
        self.ctx = ctx; self.table = table; self.names = names; self.clock = clock
        self.argsAreFull = argsAreFull; self.commIsFull = commIsFull
        var u = false
        for v in ["LC_ALL", "LC_CTYPE", "LANG"] {
            if let p = getenv(v) {
                let s = String(cString: p)
                if s.isEmpty { continue }
                // "UTF-8" or "utf8" anywhere, case-insensitively (bytes: no
                // String searching, which would link _StringProcessing).
                let b = Array(s.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                var i = 0
                while i + 3 < b.count {
                    if b[i] == 0x75, b[i + 1] == 0x74, b[i + 2] == 0x66 {
                        if b[i + 3] == 0x38 || (b[i + 3] == 0x2D && i + 4 < b.count && b[i + 4] == 0x38) { u = true; break }
                    }
                    i += 1
                }
                break
            }
        }
        utf8 = u
    }

    /// procps set_screen_size, choose_dimensions and check_header_width:
    /// on a terminal the width is the terminal's (stdout, stderr, stdin,
    /// /dev/tty; else 80); COLUMNS overrides it, on a pipe too (as procps);
    /// -w makes it at least 132, -ww unlimited. The last column is cut at
    /// that width (a multiple of it when the fixed columns need more).
    func setScreen(_ cols: [PsColumn], wide: Int) {
        let unlimited = 131072   // procps OUTBUF_SIZE
        var sc = unlimited
        if Terminal.isTerminal(1) {
            sc = 80
            func usable(_ fd: Int32) -> Int? {
                guard let ws = Terminal.windowSize(fd), ws.columns > 0, ws.rows > 0 else { return nil }
                return ws.columns
            }
            if let c = usable(1) ?? usable(2) ?? usable(0) {
                sc = c
            } else if let tty = try? FileDescriptor.open("/dev/tty", O_NOCTTY | O_NONBLOCK | O_RDONLY) {
                if let c = usable(tty.rawValue) { sc = c }
                tty.close()
            }
        }
        if let p = getenv("COLUMNS"), p.pointee != 0 {
            var end: UnsafeMutablePointer<CChar>?
            let t = strtol(p, &end, 0)
            if end?.pointee == 0, t > 0, t < unlimited { sc = t }
        }
        if wide > 0 && sc < 132 { sc = 132 }
        if wide > 1 || sc >= unlimited { return }
        var total = 0
        for (i, c) in cols.enumerated() {
            total += (i == cols.count - 1 && c.info.align == .unlimited) ? 3 : c.width
            if i > 0 { total += 1 }
        }
        var active = sc
        while active < total && active < unlimited / 2 { active += sc }
        screenCols = active
    }

    // MARK: row layout (procps show_one_proc)

    func row(_ e: ProcessTable.Entry?, _ cols: [PsColumn], prefix: [UInt8]) {
        let out = ctx.out
        var correct = 0, actual = 0, dospace = 0
        // Fields are read in place: copying a PsColumn (four Strings) per
        // cell was 5% of `ps -ef`.
        cols.withUnsafeBufferPointer { cp in
        for ci in 0..<cp.count {
            let width = cp[ci].width, key = cp[ci].info.key, align = cp[ci].info.align
            let last = ci == cp.count - 1
            var maxRight = width
            if last {
                let tmp = correct - actual
                maxRight = screenCols == Int.max ? Int.max : (tmp < 1 ? screenCols - actual - dospace : screenCols - max(correct, actual))
            }
            cell.removeAll()
            if let e {
                render(e, key, prefix: prefix)
            } else {
                cell.append(contentsOf: cp[ci].header.utf8)
            }
            var amount = cells(cell.bytes)
            if e != nil, align == .unlimited || align == .wchan, amount > maxRight {
                truncate(to: max(maxRight, 0)); amount = cells(cell.bytes)
            }
            var leftpad = 0
            switch align {
            case .right: leftpad = max(width - amount, 0)
            case .wchan:
                if let f = cell.first, ASCII.hexValue(f) != nil, cell.bytes.allSatisfy({ ASCII.hexValue($0) != nil }) { leftpad = max(width - amount, 0) }
            default: leftpad = 0
            }
            var space = correct - actual + leftpad
            if space < 1 { space = dospace }
            if space > 144 { space = 144 }
            out.repeatByte(ASCII.space, space)
            out.write(cell.bytes)
            if last { out.byte(ASCII.newline); break }
            actual += space + amount
            correct += width + 1
            dospace = 1
        }
        }
    }

    /// Display cells: UTF-8 continuation bytes take none.
    @inline(__always) func cells(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for c in b where c & 0xC0 != 0x80 { n += 1 }
        return n
    }

    func truncate(to n: Int) {
        var seen = 0, i = 0
        while i < cell.count {
            if cell[i] & 0xC0 != 0x80 { if seen == n { break }; seen += 1 }
            i += 1
        }
        cell.truncate(to: i)
    }

    func cellWidth(_ e: ProcessTable.Entry, _ key: PsKey) -> Int {
        cell.removeAll()
        render(e, key, prefix: [])
        return cells(cell.bytes)
    }

    // MARK: values

    @inline(__always) func dec<T: BinaryInteger>(_ v: T) {
        if v < 0 { cell.append(0x2D) }
        var m = UInt64(truncatingIfNeeded: v.magnitude)
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { d in
            var n = 0
            repeat { d[n] = UInt8(m % 10) + 0x30; m /= 10; n += 1 } while m > 0
            while n > 0 { n -= 1; cell.append(d[n]) }
        }
    }
    @inline(__always) func two(_ v: Int) { cell.append(UInt8(v / 10 % 10) + 0x30); cell.append(UInt8(v % 10) + 0x30) }
    @inline(__always) func text(_ s: StaticString) {
        cell.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Escapes like procps escape_str: control characters become `?`; bytes
    /// >= 0x80 become `?` unless the locale is UTF-8 and they form valid UTF-8.
    func escaped<C: Collection>(_ bytes: C, nulAsSpace: Bool) where C.Element == UInt8 {
        var clean = true
        for c in bytes where c < 0x20 || c >= 0x7F { clean = false; break }
        if clean { cell.append(contentsOf: bytes); return }
        if bytes.withContiguousStorageIfAvailable({ escapedSlow($0, nulAsSpace: nulAsSpace) }) == nil {
            Array(bytes).withUnsafeBufferPointer { escapedSlow($0, nulAsSpace: nulAsSpace) }
        }
    }

    /// Printable runs are copied whole; a command line's NUL separators
    /// made every row take a byte-at-a-time path (and an Array copy).
    func escapedSlow(_ arr: UnsafeBufferPointer<UInt8>, nulAsSpace: Bool) {
        var i = 0, run = 0
        @inline(__always) func flush() {
            if run < i { cell.append(contentsOf: UnsafeBufferPointer(rebasing: arr[run..<i])) }
        }
        while i < arr.count {
            let c = arr[i]
            if c >= 0x20 && c < 0x7F { i += 1; continue }
            flush()
            if c == 0 && nulAsSpace { cell.append(ASCII.space); i += 1; run = i; continue }
            // procps 4.0.2 on a command line: a newline is a space; other
            // control characters (tab and DEL too) are `?` in a UTF-8
            // locale and `.` in the C locale.
            if c == ASCII.newline && nulAsSpace { cell.append(ASCII.space); i += 1; run = i; continue }
            if c < 0x20 || c == 0x7F { cell.append(nulAsSpace && !utf8 ? 0x2E : 0x3F); i += 1; run = i; continue }
            if utf8 {
                let n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0
                if n > 0, i + n <= arr.count, arr[(i + 1)..<(i + n)].allSatisfy({ $0 & 0xC0 == 0x80 }) {
                    cell.append(contentsOf: UnsafeBufferPointer(rebasing: arr[i..<(i + n)])); i += n; run = i; continue
                }
            }
            cell.append(0x3F); i += 1; run = i
        }
        flush()
    }

    func comm(_ e: ProcessTable.Entry) { escaped(table.bytes(e.commOffset, e.commCount), nulAsSpace: false) }

    /// The command line with NULs as spaces (trailing NULs dropped); `[comm]`
    /// when empty (kernel threads, zombies), plus ` <defunct>` for zombies.
    func args(_ e: ProcessTable.Entry) {
        var b = table.bytes(e.argsOffset, e.argsCount)
        while let l = b.last, l == 0 { b = b.dropLast() }
        if !b.isEmpty {
            var clean = true
            for c in b where c < 0x20 || c >= 0x7F { clean = false; break }
            if clean { cell.append(contentsOf: b) } else { escaped(b, nulAsSpace: true) }
        } else {
            cell.append(0x5B); comm(e); cell.append(0x5D)
        }
        if e.stat.state == 0x5A { text(" <defunct>") }
    }

    func user(_ e: ProcessTable.Entry, _ id: UInt32, group: Bool) {
        let key = UInt64(UInt32(bitPattern: e.root)) << 32 | UInt64(id)
        if let c = group ? groupCache[key] : userCache[key] { cell.append(contentsOf: c); return }
        let n = names.names(root: e.root, in: table)
        let start = cell.count
        if let name = (group ? n.groups : n.users).name(id) {
            escaped(Array(name.utf8), nulAsSpace: false)
        } else {
            dec(id)
        }
        let v = Array(cell.bytes[start...])
        if group { groupCache[key] = v } else { userCache[key] = v }
    }

    func tty(_ nr: Int32) {
        let v = UInt32(bitPattern: nr)
        if v == 0 { cell.append(0x3F); return }
        let major = (v >> 8) & 0xFFF
        let minor = (v & 0xFF) | ((v >> 12) & 0xFFF00)
        switch major {
        case 136...143: text("pts/"); dec(minor + (major - 136) * 256)
        case 4 where minor < 64: text("tty"); dec(minor)
        case 4: text("ttyS"); dec(minor - 64)
        case 5 where minor == 1: text("console")
        case 5 where minor == 0: text("tty")
        case 188: text("ttyUSB"); dec(minor)
        case 204 where minor >= 64: text("ttyAMA"); dec(minor - 64)
        default:
            if let n = ttyNames[v] { cell.append(contentsOf: n); return }
            let n = driverTTYName(major: major, minor: minor) ?? [0x3F]
            ttyNames[v] = n
            cell.append(contentsOf: n)
        }
    }

    /// procps driver_name (devname.c): the /proc/tty/drivers entry for the
    /// device (searched last line first, as procps does), named /dev/NAMEminor
    /// or /dev/NAME, when that file is this very device.
    func driverTTYName(major: UInt32, minor: UInt32) -> [UInt8]? {
        if ttyDrivers == nil {
            let buf = ReadBuffer(capacity: 16384)
            ttyDrivers = (try? buf.contents(of: "\(table.procfs.root)/tty/drivers")).map { b in b.withUnsafeBufferPointer { TtyDriver.parse($0) } } ?? []
        }
        guard let d = ttyDrivers?.last(where: { $0.major == major && $0.minorFirst <= minor && minor <= $0.minorLast }) else { return nil }
        var candidates: [String] = [d.name + String(minor)]
        if !d.devfs { candidates.append(d.name) }
        for name in candidates {
            guard let st = try? fileStatus("\(ctx.hostRoot)/dev/\(name)") else { continue }
            let r = UInt64(st.st_rdev)
            let maj = UInt32((r >> 8) & 0xfff) | UInt32(truncatingIfNeeded: (r >> 32) & ~0xfff)
            let mnr = UInt32(r & 0xff) | UInt32(truncatingIfNeeded: (r >> 12) & ~0xff)
            return maj == major && mnr == minor ? Array(name.utf8) : nil
        }
        return nil
    }

    func rssKB(_ e: ProcessTable.Entry) -> UInt64 {
        e.vmRSS >= 0 ? UInt64(e.vmRSS) : UInt64(max(e.stat.rss, 0)) &* clock.pageKB
    }

    func vszKB(_ e: ProcessTable.Entry) -> UInt64 { e.vmSize >= 0 ? UInt64(e.vmSize) : e.stat.vsize / 1024 }

    func cpuTicks(_ e: ProcessTable.Entry) -> UInt64 { e.stat.utime &+ e.stat.stime }

    func elapsed(_ e: ProcessTable.Entry) -> UInt64 {
        let started = Double(e.stat.startTime) / Double(clock.hertz)
        let d = clock.uptime - started
        return d > 0 ? (d < 1e18 ? UInt64(d) : UInt64(1e18)) : 0
    }

    func startEpoch(_ e: ProcessTable.Entry) -> Int { clock.bootTime &+ Int(truncatingIfNeeded: e.stat.startTime / clock.hertz) }

    var lastLocalT = Int.min
    var lastLocal = tm()
    lazy var nowLocal: tm = {
        var tt = time_t(clock.now)
        var out = tm()
        localtime_r(&tt, &out)
        return out
    }()

    /// localtime_r, with the last answer reused for a time in the same
    /// minute (processes start in bursts: most rows share a minute; three
    /// calls per STIME cell were 5% of `ps -ef`). Only the seconds field
    /// changes, and only while it stays within 0...59 (a zone whose offset
    /// has seconds, as some old LMT ones do, falls back to the call).
    func localTime(_ t: Int) -> tm {
        if t / 60 == lastLocalT / 60 && lastLocalT != Int.min {
            let s = Int(lastLocal.tm_sec) + (t - lastLocalT)
            if s >= 0 && s <= 59 {
                var out = lastLocal
                out.tm_sec = Int32(s)
                return out
            }
        }
        var tt = time_t(t)
        var out = tm()
        // a time localtime_r cannot convert is not kept (it stays zeroed)
        if localtime_r(&tt, &out) != nil { lastLocalT = t; lastLocal = out }
        return out
    }

    func strftimeCell(_ fmt: StaticString, _ t: Int) {
        var tmv = localTime(t)
        // a stack buffer: an Array per row was a metadata lookup and an allocation per process
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            let n = strftime(buf.baseAddress!, 64, UnsafeRawPointer(fmt.utf8Start).assumingMemoryBound(to: CChar.self), &tmv)
            for i in 0..<n { cell.append(UInt8(bitPattern: buf[i])) }
        }
    }

    func pcpuPermille(_ e: ProcessTable.Entry) -> UInt64 {
        let s = elapsed(e)
        return s > 0 ? (cpuTicks(e) &* 1000 / clock.hertz) / s : 0
    }

    func render(_ e: ProcessTable.Entry, _ key: PsKey, prefix: [UInt8]) {
        let s = e.stat
        switch key {
        case .pid: dec(e.tgid)
        case .tgid: dec(e.tgid)
        case .lwp: dec(s.pid)
        case .ppid: dec(s.ppid)
        case .pgid: dec(s.pgrp)
        case .sid: dec(s.session)
        case .uid: dec(e.euid)
        case .ruid: dec(e.ruid)
        case .gid: dec(e.egid)
        case .rgid: dec(e.rgid)
        case .user: user(e, e.euid, group: false)
        case .ruser: user(e, e.ruid, group: false)
        case .group: user(e, e.egid, group: true)
        case .rgroup: user(e, e.rgid, group: true)
        case .tty: tty(s.ttyNr)
        case .state: cell.append(s.state)
        case .stat:
            cell.append(s.state)
            if s.nice < 0 { cell.append(0x3C) }
            if s.nice > 0 { cell.append(0x4E) }
            if e.vmLocked { cell.append(0x4C) }
            if s.session == e.tgid { cell.append(0x73) }
            if s.numThreads > 1 { cell.append(0x6C) }
            if s.pgrp == s.tpgid { cell.append(0x2B) }
        case .time:
            var t = cpuTicks(e) / clock.hertz
            let ss = Int(t % 60); t /= 60
            let mm = Int(t % 60); t /= 60
            let hh = Int(t % 24); t /= 24
            if t > 0 { dec(t); cell.append(0x2D) }
            two(hh); cell.append(0x3A); two(mm); cell.append(0x3A); two(ss)
        case .bsdtime:
            let u = cpuTicks(e) / clock.hertz
            let m = u / 60
            if m < 100 { cell.append(repeating: ASCII.space, count: m < 10 ? 2 : 1) }
            dec(m); cell.append(0x3A); two(Int(u % 60))
        case .etime:
            var t = elapsed(e)
            let ss = Int(t % 60); t /= 60
            let mm = Int(t % 60); t /= 60
            let hh = Int(t % 24); t /= 24
            if t > 0 { dec(t); cell.append(0x2D) }
            if t > 0 || hh > 0 { two(hh); cell.append(0x3A) }
            two(mm); cell.append(0x3A); two(ss)
        case .etimes: dec(elapsed(e))
        case .stime:
            let t = startEpoch(e)
            let pt = localTime(t), nt = nowLocal
            if nt.tm_year != pt.tm_year { strftimeCell("%Y", t) }
            else if nt.tm_yday != pt.tm_yday { strftimeCell("%b%d", t) }
            else { strftimeCell("%H:%M", t) }
        case .start:
            let t = startEpoch(e)
            if t &+ 86400 > clock.now { strftimeCell("%H:%M:%S", t) } else { strftimeCell("  %b %d", t) }
        case .args:
            cell.append(contentsOf: prefix)
            if argsAreFull { args(e) } else { comm(e) }
        case .comm:
            cell.append(contentsOf: prefix)
            if commIsFull { args(e) } else { comm(e) }
        case .rss: dec(rssKB(e))
        case .vsz: dec(vszKB(e))
        case .pcpu:
            let p = pcpuPermille(e)
            if p > 999 { dec(p / 10) } else { dec(p / 10); cell.append(0x2E); dec(p % 10) }
        case .pmem:
            var p: UInt64 = 0
            if clock.memTotalKB > 0 { p = rssKB(e) &* 1000 / clock.memTotalKB }
            if p > 999 { p = 999 }
            if p / 10 < 10 { cell.append(ASCII.space) }
            dec(p / 10); cell.append(0x2E); dec(p % 10)
        case .c:
            let sec = elapsed(e)
            var p: UInt64 = sec > 0 ? (cpuTicks(e) &* 100 / clock.hertz) / sec : 0
            if p > 99 { p = 99 }
            if p < 10 { cell.append(ASCII.space) }
            dec(p)
        case .nlwp: dec(s.numThreads)
        case .ni:
            if s.policy != 0 && s.policy != 3 && s.policy != -1 { cell.append(0x2D) } else { dec(s.nice) }
        case .pri: dec(39 &- s.priority)
        case .opri: dec(60 &+ s.priority)
        case .flag: dec((s.flags >> 6) & 7)
        case .addr: cell.append(0x2D)
        case .sz: dec(vszKB(e) / max(clock.pageKB, 1))
        case .psr: dec(s.processor)
        case .wchan:
            var w = table.bytes(e.wchanOffset, e.wchanCount)
            while let l = w.last, l == ASCII.newline || l == 0 { w = w.dropLast() }
            if w.isEmpty || (w.count == 1 && w.first == 0x30) { cell.append(0x2D) } else { escaped(w, nulAsSpace: false) }
        case .container:
            if e.container >= 0 {
                cell.append(contentsOf: table.containers[Int(e.container)].shortID.utf8)
                if isInfra(e) { text("(infra)") }
            } else {
                cell.append(0x2D)
            }
        }
    }

    /// A pod's infra ("pause") process: /pause (Kubernetes pause image),
    /// /usr/bin/pod (CRI-O / OpenShift), catatonit (podman pods).
    func isInfra(_ e: ProcessTable.Entry) -> Bool {
        let c = table.bytes(e.commOffset, e.commCount)
        if c.elementsEqual("pause".utf8) || c.elementsEqual("catatonit".utf8) { return true }
        let a = table.bytes(e.argsOffset, e.argsCount)
        let argv0 = a.prefix(while: { $0 != 0 })
        return argv0.elementsEqual("/pause".utf8) || argv0.elementsEqual("/usr/bin/pod".utf8)
            || argv0.elementsEqual("/usr/bin/catatonit".utf8)
    }

    // MARK: order

    func compare(_ a: ProcessTable.Entry, _ b: ProcessTable.Entry, _ k: PsKey) -> Int {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch k {
        case .pid, .tgid: return cmp(a.tgid, b.tgid)
        case .lwp: return cmp(a.stat.pid, b.stat.pid)
        case .ppid: return cmp(a.stat.ppid, b.stat.ppid)
        case .pgid: return cmp(a.stat.pgrp, b.stat.pgrp)
        case .sid: return cmp(a.stat.session, b.stat.session)
        case .uid: return cmp(a.euid, b.euid)
        case .ruid: return cmp(a.ruid, b.ruid)
        case .gid: return cmp(a.egid, b.egid)
        case .rgid: return cmp(a.rgid, b.rgid)
        case .tty: return cmp(a.stat.ttyNr, b.stat.ttyNr)
        case .stat, .state: return cmp(a.stat.state, b.stat.state)
        case .time, .bsdtime: return cmp(cpuTicks(a) / clock.hertz, cpuTicks(b) / clock.hertz)
        case .etime, .etimes: return cmp(elapsed(a), elapsed(b))
        case .stime, .start: return cmp(a.stat.startTime, b.stat.startTime)
        case .rss, .pmem: return cmp(rssKB(a), rssKB(b))
        case .vsz, .sz: return cmp(a.stat.vsize, b.stat.vsize)
        case .flag: return cmp(a.stat.flags, b.stat.flags)
        case .psr: return cmp(a.stat.processor, b.stat.processor)
        case .addr: return 0
        case .pcpu, .c: return cmp(pcpuPermille(a), pcpuPermille(b))
        case .nlwp: return cmp(a.stat.numThreads, b.stat.numThreads)
        case .ni: return cmp(a.stat.nice, b.stat.nice)
        case .pri: return cmp(b.stat.priority, a.stat.priority)
        case .opri: return cmp(a.stat.priority, b.stat.priority)
        case .user, .ruser, .group, .rgroup, .args, .comm, .wchan, .container:
            let x = textOf(a, k), y = textOf(b, k)
            return x.lexicographicallyPrecedes(y) ? -1 : (y.lexicographicallyPrecedes(x) ? 1 : 0)
        }
    }

    func textOf(_ e: ProcessTable.Entry, _ k: PsKey) -> [UInt8] {
        cell.removeAll()
        // procps sorts args and comm by the command name.
        render(e, k == .args ? .comm : k, prefix: [])
        return Array(cell.bytes)
    }

    /// procps display.c show_forest: sort by ppid (then the --sort keys, or
    /// start time), then print each tree from roots found scanning backwards;
    /// children of pid 1 stay at its level.
    func forestOrder(_ rows: [ProcessTable.Entry], sortKeys: [(PsKey, Bool)], unix: Bool, prefixes: inout [[UInt8]]) -> [(Int, Int)] {
        let keys: [(PsKey, Bool)] = [(.ppid, false)] + (sortKeys.isEmpty ? [(.stime, false)] : sortKeys)
        var procs = Array(rows.indices)
        procs.sort { a, b in
            for (k, desc) in keys {
                let c = compare(rows[a], rows[b], k)
                if c != 0 { return desc ? c > 0 : c < 0 }
            }
            return a < b
        }
        let n = procs.count
        var present = Set<Int32>()
        for e in rows { present.insert(e.tgid) }
        // First child index per ppid in the sorted array.
        var firstChild: [Int32: Int] = [:]
        for (i, p) in procs.enumerated() where firstChild[rows[p].stat.ppid] == nil { firstChild[rows[p].stat.ppid] = i }
        var out: [(Int, Int)] = []
        out.reserveCapacity(n)
        var prefix: [UInt8] = []      // procps forest_prefix chars: ' ', 'L', '+', '|'
        var prefixIndex: [[UInt8]: Int] = [[]: 0]
        func emit(_ i: Int) {
            var rendered: [UInt8] = []
            for ch in prefix {
                if unix { rendered += [ASCII.space, ASCII.space]; continue }
                switch ch {
                case 0x4C, 0x2B: rendered += Array(" \\_ ".utf8)
                case 0x7C: rendered += Array(" |  ".utf8)
                default: rendered += Array("    ".utf8)
                }
            }
            let pi: Int
            if let x = prefixIndex[rendered] { pi = x } else { pi = prefixes.count; prefixes.append(rendered); prefixIndex[rendered] = pi }
            out.append((procs[i], pi))
        }
        var shown = [Bool](repeating: false, count: n)
        func showTree(_ me: Int, _ level: Int, _ haveSibling: Bool) {
            // Garbage /proc content can make a process its own parent or a
            // cycle: show each process once, whatever the links say.
            if shown[me] { return }
            shown[me] = true
            if level > 0 {
                if prefix.count < level { prefix += repeatElement(0x20, count: level - prefix.count) }
                prefix[level - 1] = haveSibling ? 0x2B : 0x4C
                prefix.removeSubrange(level...)
            }
            emit(me)
            let myPid = rows[procs[me]].tgid
            guard var i = firstChild[myPid] else { return }
            if level > 0 {
                prefix[level - 1] = haveSibling ? 0x7C : 0x20
                prefix.removeSubrange(level...)
            }
            while i < n {
                let more = i + 1 < n && rows[procs[i + 1]].stat.ppid == myPid
                if myPid == 1 && !unix { showTree(i, level, more) } else { showTree(i, level + 1, more) }
                i += 1
                if !more { break }
            }
            if prefix.count > level { prefix.removeSubrange(level...) }
        }
        var i = n
        while i > 0 {
            i -= 1
            if present.contains(rows[procs[i]].stat.ppid) && rows[procs[i]].stat.ppid != rows[procs[i]].tgid { continue }
            prefix.removeAll()
            showTree(i, 0, false)
        }
        return out
    }
}
