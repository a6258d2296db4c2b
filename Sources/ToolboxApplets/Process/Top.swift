import ToolboxCore

let topApplet = Applet(spec: AppletSpec(
    name: "top",
    summary: "Summary and task table of processes, procps top's layout",
    usage: ["[-b] [-n N] [-d SECS] [-p PID[,PID]] [-u USER] [-o FIELD] [-c] [-w] [-H] [-C] [--json]"],
    details: """
    Each frame is procps top's summary (uptime and load, Tasks, %Cpu(s),
    MiB Mem, MiB Swap) and task table (PID USER PR NI VIRT RES SHR S %CPU
    %MEM TIME+ COMMAND). The first frame samples CPU use over 0.15 s, as
    procps does; the next ones over -d SECS (default 3). USER is the owner
    of /proc/PID as procps top shows it (root for a process that changed
    its uid without exec; ps shows the real one), named from the process's
    own /etc/passwd. When PID 1's cgroup has a memory
    limit or a CPU quota (a debug container sharing the app's process
    namespace), a Cgroup line after the summary shows them with the use.
    -b: batch frames separated by an empty line; lines cut at 80 columns,
    at $COLUMNS when set, at 512 with -w. --json: one array of frames (keys
    in docs/json.md). -o FIELD sorts by a column name (high to low; -FIELD
    low to high; default %CPU).
    Without -b, on a terminal: the screen is redrawn every -d SECS; keys
    q quit, P M T N sort by %CPU, %MEM, TIME+, PID, R reverse, c command
    lines, u user filter, k signal a process, 1 per-CPU lines, H threads,
    C container column (the container id ps --containers shows).
    """,
    options: [
        .flag("b", nil, "batch mode: frames to standard output"),
        .value("n", nil, "N", "frames to print (default 1 in JSON, else until killed)"),
        .value("d", nil, "SECS", "delay between frames"),
        .value("p", nil, "PIDS", "only these processes (comma list)"),
        .value("u", nil, "USER", "only processes whose effective user is USER (name or uid)"),
        .value("o", nil, "FIELD", "sort by FIELD (PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ COMMAND)"),
        .flag("c", nil, "command lines instead of names"),
        .flag("w", nil, "wide: lines up to 512 columns"),
        .flag("H", nil, "one line per thread"),
        .flag("C", nil, "a CONTAINER column before COMMAND"),
        .flag(nil, "json", "one JSON array of frames (keys in docs/json.md)"),
    ], appendix: topFieldsHelp), run: runTop)

/// One task of a frame.
struct TopTask {
    var pid: Int32
    var user: String
    var pr: String
    var nice: Int64
    var virt: Int64, res: Int64, shr: Int64      // KiB
    var state: UInt8
    var cpu: Double, mem: Double
    var ticks: UInt64
    var command: String
    var container: String
}

/// top's columns (procps top's names), each with the ps key that shows the
/// same thing where there is one: its description then comes from the one
/// column table, psKeyTable (`top --help` lists them).
let topFieldTable: [(field: String, psKey: String?, help: String)] = [
    ("PID", "pid", ""), ("USER", nil, "owner of /proc/PID, named from the passwd file of the process's own root"),
    ("PR", nil, "priority (rt: real-time)"), ("NI", "ni", ""), ("VIRT", "vsz", ""), ("RES", "rss", ""),
    ("SHR", nil, "shared memory, KiB (statm)"), ("S", "s", ""), ("%CPU", nil, "CPU use over the last interval, percent"),
    ("%MEM", "%mem", ""), ("TIME+", nil, "user + system CPU time, M:SS.hh"), ("COMMAND", "comm", ""),
]
let topFields = topFieldTable.map(\.field)

@Sendable func topFieldsHelp() -> String {
    var s = "Fields (-o; ps's key where it shows the same):\n"
    for f in topFieldTable {
        let help = f.psKey.flatMap(psKeyInfo).map(\.help) ?? f.help
        let left = "  " + f.field + String(repeating: " ", count: max(1, 10 - f.field.count)) + (f.psKey ?? "-")
        s += left + String(repeating: " ", count: max(1, 22 - left.count)) + help + "\n"
    }
    return s
}

/// What the frames show: set by options, changed by keys.
struct TopView {
    var sortField = "%CPU", ascending = false
    var full = false, threads = false, perCPU = false, container = false
    var user: String? = nil
    var pids: Set<Int32>? = nil
}

/// One sample: tasks sorted, state counts, CPU shares (total, then per
/// CPU), memory, times.
struct TopFrame {
    var tasks: [TopTask] = []
    var counts = [0, 0, 0, 0]                      // running sleeping stopped zombie
    var cpu: [[Double]] = []
    var mem: Meminfo? = nil
    var wallEpoch = 0, upSecs = 0
}

/// Scans /proc and turns two scans into CPU rates.
final class TopSampler {
    let ctx: Context
    let hz = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    let pageKiB = Int64(max(sysconf(Int32(_SC_PAGESIZE)), 4096) / 1024)
    let names: RootNames
    let buffer = ReadBuffer(capacity: 16384)
    let fmtBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 64)
    var pidWidth = 5
    var prevTicks: [Int32: UInt64] = [:]
    var prevCpu: [CpuTimes] = []
    var prevTime = 0.0
    /// The first sample's /proc/PID/stat descriptors, read again (pread)
    /// by the first frame's scan instead of reopened, then closed.
    var kept: KeptStatFiles? = nil

    init(_ ctx: Context) {
        self.ctx = ctx
        names = RootNames(procfs: ctx.procfs, hostRoot: ctx.hostRoot)
        if let b = try? ctx.procfs.read("sys/kernel/pid_max", into: buffer) { var s = ByteScanner(b); if let v = s.uint() { pidWidth = max(5, String(v).count) } }
    }
    deinit { fmtBuffer.deallocate() }

    func cpuTimes() -> [CpuTimes] {
        (try? ctx.procfs.read("stat", into: buffer)).map { CpuTimes.parseAll($0) } ?? []
    }

    /// The table's entries, one per thread with `threads`. The first
    /// sample needs only the CPU ticks (stat) and keeps each stat open for
    /// the first frame, which reads it again; a frame reads stat, statm and
    /// the owner of /proc/PID (procps top's USER), and the root's identity
    /// for per-root names.
    func scan(_ v: TopView, ticksOnly: Bool = false) throws -> (ProcessTable, [ProcessTable.Entry]) {
        var needs: ProcessTable.Needs = [.root, .statm, .ownerOnly]
        if v.full { needs.insert(.cmdline) }
        if v.container { needs.insert(.cgroup) }
        if ticksOnly { needs = .statOnly }
        let t = try ProcessTable(procfs: ctx.procfs, needs: needs)
        if ticksOnly { kept?.closeAll(); t.keepStatFiles = true } else { t.reuse = kept }
        t.scan()
        kept?.closeAll()
        kept = t.kept
        if !v.threads { return (t, t.entries) }
        var all: [ProcessTable.Entry] = []
        for i in t.entries.indices { all += t.threads(of: i) }
        return (t, all)
    }

    /// The first scan, whose ticks the first frame's rates start from.
    func prime(_ v: TopView) throws {
        prevTicks = [:]
        let entries = try scan(v, ticksOnly: true).1
        prevTicks.reserveCapacity(entries.count)
        for e in entries { prevTicks[e.stat.pid] = e.stat.utime &+ e.stat.stime }
        prevCpu = cpuTimes(); prevTime = monotonicSeconds()
    }

    func frame(_ v: TopView) throws -> TopFrame {
        let (table, entries) = try scan(v)
        let now = monotonicSeconds()
        let cpu = cpuTimes()
        let elapsed = max(now - prevTime, 0.001)
        var f = TopFrame()
        f.mem = (try? ctx.procfs.read("meminfo", into: buffer)).map { Meminfo.parse($0) }
        let memTotal = f.mem?["MemTotal"] ?? 0
        var ticksNow: [Int32: UInt64] = [:]
        ticksNow.reserveCapacity(entries.count)
        for e in entries {
            let pid = e.stat.pid
            let ticks = e.stat.utime &+ e.stat.stime
            ticksNow[pid] = ticks
            // With -p procps reads only those processes (and with -H their
            // threads): Tasks counts them alone.
            if let pids = v.pids, !pids.contains(e.tgid) { continue }
            switch e.stat.state {
            case 0x52: f.counts[0] += 1
            case 0x53, 0x44, 0x49: f.counts[1] += 1
            case 0x54, 0x74: f.counts[2] += 1
            case 0x5A: f.counts[3] += 1
            default: break
            }
            let userName = names.names(root: e.root, in: table).users.name(e.euid) ?? String(e.euid)
            if let user = v.user, user != userName && UInt32(user) != e.euid { continue }
            let delta = ticks &- (prevTicks[pid] ?? ticks)
            var command = String(decoding: table.bytes(e.commOffset, e.commCount), as: UTF8.self)
            if v.full, e.argsCount > 0 {
                var a = Array(table.bytes(e.argsOffset, e.argsCount))
                while a.last == 0 { a.removeLast() }
                for i in a.indices where a[i] == 0 || a[i] == ASCII.newline { a[i] = ASCII.space }
                if !a.isEmpty { command = String(decoding: a, as: UTF8.self) }
            } else if v.full && e.stat.isKernelThread { command = "[\(command)]" }
            let res = max(e.pagesResident, 0) * pageKiB
            f.tasks.append(TopTask(
                pid: pid, user: userName,
                pr: e.stat.priority <= -100 ? "rt" : String(e.stat.priority), nice: e.stat.nice,
                virt: max(e.pagesSize, 0) * pageKiB, res: res, shr: max(e.pagesShared, 0) * pageKiB,
                state: e.stat.state, cpu: Double(delta) / hz / elapsed * 100,
                mem: memTotal > 0 ? Double(res) * 100 / Double(memTotal) : 0, ticks: ticks, command: command,
                container: v.container && e.container >= 0 ? table.containers[Int(e.container)].shortID : "-"))
        }
        // The field's position in topFields, found once (not per comparison).
        // Sorted as a permutation of indices, the tasks read in place: sorting
        // the tasks themselves copied each (four Strings) at every move.
        let field = topFields.firstIndex(of: v.sortField) ?? 8
        let ascending = v.ascending
        var order = Array(0..<f.tasks.count)
        f.tasks.withUnsafeBufferPointer { t in
            func less(_ a: Int, _ b: Int) -> Bool {
                switch field {
                case 0: return t[a].pid < t[b].pid
                case 1: return t[a].user < t[b].user
                case 2: return (Int(t[a].pr) ?? -100) < (Int(t[b].pr) ?? -100)
                case 3: return t[a].nice < t[b].nice
                case 4: return t[a].virt < t[b].virt
                case 5, 9: return t[a].res < t[b].res
                case 6: return t[a].shr < t[b].shr
                case 7: return t[a].state < t[b].state
                case 10: return t[a].ticks < t[b].ticks
                case 11: return t[a].command < t[b].command
                default: return t[a].cpu < t[b].cpu
                }
            }
            // Ties keep pid order, as procps's table (read in pid order) shows them.
            order.sort { a, b in
                if less(a, b) { return ascending }
                if less(b, a) { return !ascending }
                return a < b
            }
        }
        f.tasks = order.map { f.tasks[$0] }
        f.cpu = cpu.indices.map { i in cpuDelta(i < prevCpu.count ? prevCpu[i] : CpuTimes(), cpu[i]) }
        if f.cpu.isEmpty { f.cpu = [cpuDelta(CpuTimes(), CpuTimes())] }
        f.wallEpoch = time(nil)
        if let b = try? ctx.procfs.read("uptime", into: buffer) { var s = ByteScanner(b); f.upSecs = Int(clamping: s.uint() ?? 0) }
        prevTicks = ticksNow; prevCpu = cpu; prevTime = now
        return f
    }

    /// The summary lines and the table header and rows, uncut.
    func lines(_ f: TopFrame, _ v: TopView, limits: String?) -> [String] {
        var l = summary(f, v, limits: limits)
        var b: [UInt8] = []
        for t in f.tasks { row(t, v, into: &b); l.append(String(decoding: b, as: UTF8.self)) }
        return l
    }

    /// The summary lines and the table header.
    func summary(_ f: TopFrame, _ v: TopView, limits: String?) -> [String] {
        let total = f.counts.reduce(0, +)
        var l = ["top - " + ((try? uptimeSummary(ctx, now: f.wallEpoch, uptime: f.upSecs)) ?? ""),
                 (v.threads ? "Threads: " : "Tasks: ") + "\(cfmt("%3d", total)) total, \(cfmt("%3d", f.counts[0])) running, \(cfmt("%3d", f.counts[1])) sleeping, \(cfmt("%3d", f.counts[2])) stopped, \(cfmt("%3d", f.counts[3])) zombie"]
        func cpuLine(_ label: String, _ d: [Double]) -> String {
            label + zip(d, ["us", "sy", "ni", "id", "wa", "hi", "si", "st"]).map { cfmt("%4.1f", $0.0) + " " + $0.1 }.joinedText(", ") + " "
        }
        if v.perCPU && f.cpu.count > 1 {
            for i in 1..<f.cpu.count { l.append(cpuLine("%Cpu" + cfmt("%-3d", i - 1) + ": ", f.cpu[i])) }
        } else {
            l.append(cpuLine("%Cpu(s): ", f.cpu[0]))
        }
        let m = memoryFigures(f.mem).map { Double($0.1) / 1024 }
        l.append("MiB Mem : \(cfmt("%8.1f", m[0])) total, \(cfmt("%8.1f", m[1])) free, \(cfmt("%8.1f", m[2])) used, \(cfmt("%8.1f", m[3])) buff/cache     ")
        l.append("MiB Swap: \(cfmt("%8.1f", m[4])) total, \(cfmt("%8.1f", m[5])) free, \(cfmt("%8.1f", m[6])) used. \(cfmt("%8.1f", m[7])) avail Mem ")
        if let limits { l.append(limits) }
        l.append("")
        l.append(String(repeating: " ", count: pidWidth - 3) + "PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ " + (v.container ? "CONTAINER    " : "") + "COMMAND")
        return l
    }

    /// One task row into `b` (emptied first), uncut: written byte by byte,
    /// no String per column (thousands of rows per frame).
    func row(_ t: TopTask, _ v: TopView, into b: inout [UInt8]) {
        b.removeAll(keepingCapacity: true)
        func spaces(_ n: Int) { var k = n; while k > 0 { b.append(ASCII.space); k -= 1 } }
        appendDecimal(&b, Int64(t.pid), width: pidWidth); b.append(ASCII.space)
        let user = t.user.utf8
        if user.count <= 8 && !user.contains(where: { $0 >= 0x80 }) {
            b.append(contentsOf: user); spaces(8 - user.count)
        } else {
            let u = t.user.count > 8 ? String(t.user.prefix(7)) + "+" : t.user
            b.append(contentsOf: u.utf8); spaces(8 - u.count)
        }
        b.append(ASCII.space)
        spaces(3 - t.pr.count); b.append(contentsOf: t.pr.utf8); b.append(ASCII.space)
        appendDecimal(&b, t.nice, width: 3); b.append(ASCII.space)
        func kib(_ v: Int64, _ width: Int) {
            if v >= 0 && v < 1_000_000 { appendDecimal(&b, v, width: width) } else { b.append(contentsOf: scaleKiB(v, width).utf8) }
            b.append(ASCII.space)
        }
        kib(t.virt, 7); kib(t.res, 6); kib(t.shr, 6)
        if t.state < 0x80 { b.append(t.state) } else { b.append(contentsOf: String(UnicodeScalar(t.state)).utf8) }
        b.append(ASCII.space)
        appendFixed(&b, t.cpu); b.append(ASCII.space)
        appendFixed(&b, t.mem); b.append(ASCII.space)
        appendTimePlus(&b, t.ticks, hz); b.append(ASCII.space)
        if v.container { b.append(contentsOf: pad(t.container, 13).utf8) }
        b.append(contentsOf: t.command.utf8)
    }

    func appendFixed(_ b: inout [UInt8], _ v: Double) { appendFixed51(&b, v, scratch: fmtBuffer) }

    /// `Cgroup: PID 1 mem USED of LIMIT (P%), cpu quota Q cores` when PID
    /// 1's cgroup limits memory or CPU (read as inspect reads them), else nil.
    func cgroupLimits() -> String? {
        let t = InspectTarget(ctx: ctx, pid: 1, showSecrets: false)
        let (used, limit, quota) = t.limitFigures()
        guard limit != nil || quota != nil else { return nil }
        var s = "Cgroup: PID 1"
        if let limit {
            s += " mem " + cfmt("%.1f", Double(used ?? 0) / 1048576) + " of " + cfmt("%.1f", Double(limit) / 1048576) + " MiB ("
                + cfmt("%.1f", Double(used ?? 0) * 100 / Double(max(limit, 1))) + "%)"
        }
        if let quota { s += (limit != nil ? "," : "") + " cpu quota " + cores(quota) + " cores" }
        return s
    }
}

@Sendable
func runTop(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let o = try topApplet.spec.parse(args)
    guard o.operands.isEmpty else { throw topApplet.spec.usageError("unexpected argument '\(o.operands[0])'") }
    var frames = o.has("json") ? 1 : Int.max
    if let n = o.value("n") { guard let v = Int(n), v > 0 else { throw ToolError.usage("bad iterations argument '\(n)'") }; frames = v }
    var delay = 3.0
    if let d = o.value("d") { guard let v = Double(d), v >= 0, v <= 86400 else { throw ToolError.usage("bad delay interval '\(d)'") }; delay = v }
    var view = TopView()
    if let p = o.value("p") {
        var s = Set<Int32>()
        for item in p.split(separator: ",") { guard let v = Int32(item), v > 0 else { throw ToolError.usage("bad pid '\(item)'") }; s.insert(v) }
        view.pids = s
    }
    view.user = o.value("u")
    if view.pids != nil && view.user != nil { throw ToolError.failure("conflicting process selections (U/p/u)") }
    if var f = o.value("o") {
        if f.hasPrefix("+") { f.removeFirst() } else if f.hasPrefix("-") { f.removeFirst(); view.ascending = true }
        guard let name = topFields.first(where: { $0.uppercased() == f.uppercased() }) else {
            throw ToolError.failure("unrecognized field name '\(f)'")
        }
        view.sortField = name
    }
    view.full = o.has("c"); view.threads = o.has("H"); view.container = o.has("C")
    try ctx.procfs.requireMounted()
    let sampler = TopSampler(ctx)
    if !o.has("b") && !o.has("json") {
        guard Terminal.isTerminal(0), ctx.out.isTerminal else { throw ToolError.failure("interactive mode needs a terminal: use -b (batch mode)") }
        return try TopScreen(sampler, view: view, delay: delay, frames: frames).run()
    }
    let width: Int = o.has("w") ? 512 : (getenv("COLUMNS").flatMap { Int(String(cString: $0)) }.map { min(max($0, 1), 512) } ?? 80)
    let limits = sampler.cgroupLimits()
    try sampler.prime(view)
    var jsonFrames: [JSON] = []
    var frame = 0
    while frame < frames {
        pauseSeconds(frame == 0 ? 0.15 : delay)
        let f = try sampler.frame(view)
        if o.has("json") {
            let d = f.cpu[0]
            jsonFrames.append(.object([
                ("time", .int(Int64(f.wallEpoch))), ("uptime", .int(Int64(f.upSecs))),
                ("tasks", .object([("total", .int(Int64(f.counts.reduce(0, +)))), ("running", .int(Int64(f.counts[0]))),
                                   ("sleeping", .int(Int64(f.counts[1]))), ("stopped", .int(Int64(f.counts[2]))), ("zombie", .int(Int64(f.counts[3])))])),
                ("cpu", .object(zip(["us", "sy", "ni", "id", "wa", "hi", "si", "st"], d).map { ($0.0, .double($0.1)) })),
                ("memory_kib", .object(memoryFigures(f.mem).map { ($0.0, .uint($0.1)) })),
                ("processes", .array(f.tasks.map { t in .object([
                    ("pid", .int(Int64(t.pid))), ("user", .string(t.user)), ("priority", Int64(t.pr).map { .int($0) } ?? .string(t.pr)),
                    ("nice", .int(t.nice)), ("virt_kib", .int(t.virt)), ("res_kib", .int(t.res)), ("shr_kib", .int(t.shr)),
                    ("state", .string(String(UnicodeScalar(t.state)))), ("cpu_percent", .double(t.cpu)), ("mem_percent", .double(t.mem)),
                    ("time_centiseconds", .uint(UInt64(Double(t.ticks) * 100 / sampler.hz))), ("command", .string(t.command)),
                ]) })),
            ]))
        } else {
            let out = ctx.out
            if frame > 0 { out.byte(ASCII.newline) }
            // A cut line ends in `+`, as procps marks it.
            func cut(_ s: String) { out.line(String(decoding: Array(s.utf8.prefix(max(0, width - 2))), as: UTF8.self) + "+") }
            for s in sampler.summary(f, view, limits: limits) {
                if s.utf8.count <= width { out.line(s) } else { cut(s) }
            }
            var row: [UInt8] = []
            row.reserveCapacity(256)
            for t in f.tasks {
                sampler.row(t, view, into: &row)
                if row.count <= width { out.write(row) }
                else if row.contains(where: { $0 >= 0x80 }) { cut(String(decoding: row, as: UTF8.self)); continue }
                else { row.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<max(0, width - 2)])) }; out.byte(0x2B) }
                out.byte(ASCII.newline)
            }
            out.flush()
        }
        frame += 1
    }
    if o.has("json") { JSON.array(jsonFrames).write(to: ctx.out) }
    return ExitCode.success
}

/// The interactive screen: raw terminal mode on standard input (restored
/// on every exit, signals included), a frame every `delay` seconds or
/// after a key.
final class TopScreen {
    let sampler: TopSampler
    var view: TopView
    let delay: Double
    var frames: Int
    let out: OutputWriter
    var rows = 24, cols = 80
    var message = ""
    var limits: String? = nil
    var firstPid: Int32? = nil, blankRow = 6

    init(_ sampler: TopSampler, view: TopView, delay: Double, frames: Int) {
        self.sampler = sampler; self.view = view; self.delay = delay; self.frames = frames; out = sampler.ctx.out
    }

    func run() throws -> Int32 {
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { throw ToolError.failure("standard input: \(Errno.current.message)") }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { $0[Int(VMIN)] = 1; $0[Int(VTIME)] = 0 }
        cshim_tty_guard(0, &saved)
        tcsetattr(0, TCSANOW, &raw)
        defer {
            out.write("\r\n"); out.flush()
            tcsetattr(0, TCSANOW, &saved)
            cshim_tty_guard(-1, nil)
        }
        limits = sampler.cgroupLimits()
        try sampler.prime(view)
        var wait = 0.15
        while frames > 0 {
            if let key = nextKey(timeout: wait) {
                if !(try handle(key)) { return ExitCode.success }
                wait = 0
                if key != 0 { continue }
            }
            try draw()
            frames -= 1
            wait = delay
        }
        return ExitCode.success
    }

    /// One byte from the terminal; nil at end of input or on an error.
    func readKeyByte() -> UInt8? {
        var c: UInt8 = 0
        let n = (try? withUnsafeMutableBytes(of: &c) { b throws(Errno) in try FileDescriptor.standardInput.read(into: b) }) ?? 0
        return n == 1 ? c : nil
    }

    /// A key within `timeout` seconds; 0 when none came (time to redraw).
    func nextKey(timeout: Double) -> UInt8? {
        var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return timeout > 0 ? 0 : nil }
        return readKeyByte() ?? 113   // end of input: quit
    }

    func draw() throws {
        if let ws = Terminal.windowSize(1), ws.rows > 0 { rows = ws.rows; cols = ws.columns }
        let f = try sampler.frame(view)
        var l = sampler.lines(f, view, limits: limits)
        firstPid = f.tasks.first?.pid
        blankRow = l.firstIndex(of: "") ?? 6
        if !message.isEmpty { l[blankRow] = message; message = "" }
        out.write("\u{1B}[H")
        for (i, s) in l.prefix(rows).enumerated() {
            if i > 0 { out.write("\r\n") }
            out.write(s.utf8.count <= cols ? s : String(decoding: Array(s.utf8.prefix(cols)), as: UTF8.self))
            out.write("\u{1B}[K")
        }
        out.write("\u{1B}[J")
        out.flush()
    }

    /// A line typed after `prompt` on the message row; nil on Escape.
    func prompt(_ text: String) -> String? {
        out.write("\u{1B}[\(blankRow + 1);1H\u{1B}[K" + text); out.flush()
        var typed: [UInt8] = []
        while true {
            guard let c = readKeyByte() else { return nil }
            switch c {
            case 0x0D, 0x0A: return String(decoding: typed, as: UTF8.self)
            case 0x1B, 0x03: return nil
            case 0x7F, 0x08: if !typed.isEmpty { typed.removeLast(); out.write("\u{8} \u{8}") }
            default: if c >= 0x20 && typed.count < 64 { typed.append(c); out.byte(c) }
            }
            out.flush()
        }
    }

    /// Acts on a key; false to quit.
    func handle(_ c: UInt8) throws -> Bool {
        switch c {
        case 0: break
        case 0x71, 0x03: return false                                 // q, ^C
        case 0x50: view.sortField = "%CPU"; view.ascending = false    // P
        case 0x4D: view.sortField = "%MEM"; view.ascending = false    // M
        case 0x54: view.sortField = "TIME+"; view.ascending = false   // T
        case 0x4E: view.sortField = "PID"; view.ascending = false     // N
        case 0x52: view.ascending.toggle()                            // R
        case 0x63: view.full.toggle()                                 // c
        case 0x31: view.perCPU.toggle()                               // 1
        case 0x43: view.container.toggle()                            // C
        case 0x48: view.threads.toggle(); try sampler.prime(view)     // H: rates start again
        case 0x75:                                                    // u
            if let u = prompt("Which user (blank for all) ") { view.user = u.isEmpty ? nil : u }
        case 0x6B:                                                    // k
            guard let p = prompt("PID to signal/kill [default pid = \(firstPid.map(String.init) ?? "")] ") else { break }
            guard let pid = p.isEmpty ? firstPid : Int32(p), pid > 0 else { message = " Unacceptable integer"; break }
            guard let s = prompt("Send pid \(pid) signal [15/sigterm] ") else { break }
            guard let sig = s.isEmpty ? SIGTERM : Signals.number(s), sig > 0 else { message = " Unacceptable signal value"; break }
            if kill(pid, sig) != 0 { message = " Failed signal pid '\(pid)' with '\(sig)': \(Errno.current.message)" }
        default: break
        }
        return true
    }
}

/// us sy ni id wa hi si st in percent of the ticks between two samples.
func cpuDelta(_ a: CpuTimes, _ b: CpuTimes) -> [Double] {
    let parts: [(UInt64, UInt64)] = [(a.user, b.user), (a.system, b.system), (a.nice, b.nice), (a.idle, b.idle),
                                     (a.iowait, b.iowait), (a.irq, b.irq), (a.softirq, b.softirq), (a.steal, b.steal)]
    let deltas = parts.map { $0.1 >= $0.0 ? Double($0.1 - $0.0) : 0 }
    let total = deltas.reduce(0, +)
    return deltas.map { total > 0 ? $0 * 100 / total : 0 }
}

/// total free used buff/cache swap-total swap-free swap-used available, in
/// KiB (procps 4: used = total - available, as free prints it).
func memoryFigures(_ m: Meminfo?) -> [(String, UInt64)] {
    func v(_ k: String) -> UInt64 { m?[k] ?? 0 }
    let total = v("MemTotal"), free = v("MemFree")
    let avail = min(m?["MemAvailable"] ?? free, total)
    let swapTotal = v("SwapTotal"), swapFree = min(v("SwapFree"), swapTotal)
    return [("total", total), ("free", free), ("used", total - avail), ("buff_cache", v("Buffers") + v("Cached") + v("SReclaimable")),
            ("swap_total", swapTotal), ("swap_free", swapFree), ("swap_used", swapTotal - swapFree), ("available", avail)]
}

/// printf with one argument (the C library's formatting, as procps).
func cfmt(_ format: String, _ v: Double) -> String { cFormatted(format, v) }
/// `%d`-like formats: the value as a C int (counts and cpu numbers fit).
func cfmt(_ format: String, _ v: Int) -> String { cFormatted(format, Int32(clamping: v)) }

/// A KiB figure right-aligned in `width`, scaled to m, g, t as procps's
/// scale_mem does when it does not fit.
func scaleKiB(_ kib: Int64, _ width: Int) -> String {
    let plain = String(kib)
    if plain.count <= width { return String(repeating: " ", count: width - plain.count) + plain }
    var v = Double(kib)
    for unit in ["m", "g", "t", "p"] {
        v /= 1024
        for digits in [3, 2, 1, 0] {
            let s = cfmt("%.\(digits)f", v) + unit
            if s.count <= width { return String(repeating: " ", count: width - s.count) + s }
        }
    }
    return String(repeating: "?", count: width)
}

/// printf's `%5.1f` of `v` (the C library's rounding) into `b`. Values
/// whose tenths are not within 1e-6 of a tie (where v * 10's rounding
/// error, under 1e-7 below 1e8, cannot change the digit) are written from
/// integers; the rest, and zero's sign, go through snprintf into `scratch`
/// (64 bytes).
func appendFixed51(_ b: inout [UInt8], _ v: Double, scratch: UnsafeMutablePointer<CChar>) {
    if v >= 0 && v < 1e8 && !(v == 0 && v.sign == .minus) {
        let t = v * 10
        let whole = t.rounded(.down), frac = t - whole
        if abs(frac - 0.5) > 1e-6 {
            let r = UInt64(whole) + (frac > 0.5 ? 1 : 0)
            appendDecimal(&b, Int64(r / 10), width: 3)
            b.append(0x2E); b.append(UInt8(r % 10) + ASCII.zero)
            return
        }
    }
    let n = Int(cshim_format_double(scratch, 64, "%5.1f", v))
    b.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: max(0, min(n, 63))))
}

/// Decimal `v` right-aligned in `width` columns (printf's `%*d`).
func appendDecimal(_ b: inout [UInt8], _ v: Int64, width: Int) {
    var m = v.magnitude
    var digits = 1, div: UInt64 = 1
    while m / div >= 10 { div &*= 10; digits += 1 }
    var pad = width - digits - (v < 0 ? 1 : 0)
    while pad > 0 { b.append(ASCII.space); pad -= 1 }
    if v < 0 { b.append(0x2D) }
    while div > 0 { b.append(UInt8(truncatingIfNeeded: m / div) &+ ASCII.zero); m %= div; div /= 10 }
}

/// TIME+ (procps scale_tics): minutes:seconds.hundredths in 9 columns,
/// then minutes:seconds, then hours,minutes, appended to `b`.
func appendTimePlus(_ b: inout [UInt8], _ ticks: UInt64, _ hz: Double) {
    let cs = UInt64(Double(ticks) * 100 / hz)
    let secs = cs / 100, mins = secs / 60
    func width(_ v: UInt64) -> Int { var n = 1, r = v; while r >= 10 { r /= 10; n += 1 }; return n }
    func two(_ v: UInt64) { b.append(UInt8(v / 10) + ASCII.zero); b.append(UInt8(v % 10) + ASCII.zero) }
    let m = width(mins)
    if m + 6 <= 9 {
        appendDecimal(&b, Int64(mins), width: 9 - 6); b.append(0x3A); two(secs % 60); b.append(0x2E); two(cs % 100)
    } else if m + 3 <= 9 {
        appendDecimal(&b, Int64(mins), width: 9 - 3); b.append(0x3A); two(secs % 60)
    } else {
        appendDecimal(&b, Int64(mins / 60), width: 9 - 3); b.append(0x2C); two(mins % 60)
    }
}

/// CLOCK_MONOTONIC in seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// nanosleep(2) for `s` seconds, resumed after signals.
func pauseSeconds(_ s: Double) {
    var req = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
}
