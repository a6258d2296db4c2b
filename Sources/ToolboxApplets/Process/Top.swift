import ToolboxCore

let topApplet = Applet(spec: AppletSpec(
    name: "top",
    summary: "Summary and task table of processes, procps top's batch layout",
    usage: ["-b [-n N] [-d SECS] [-p PID[,PID]] [-u USER] [-o FIELD] [-c] [-w] [--json]"],
    details: """
    Batch mode only (-b; interactive mode is not built yet): each frame is
    procps top's summary (uptime and load, Tasks, %Cpu(s), MiB Mem, MiB
    Swap) and task table (PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+
    COMMAND), frames separated by an empty line. The first frame samples
    CPU use over 0.15 s, as procps does; the next ones over -d SECS
    (default 3). User names come from each process's own /etc/passwd.
    -o FIELD sorts by a column name (high to low; -FIELD low to high;
    default %CPU). Lines are cut at 80 columns, at $COLUMNS when set, at
    512 with -w. --json: one array of frames (keys in docs/json.md).
    """,
    options: [
        .flag("b", nil, "batch mode (required)"),
        .value("n", nil, "N", "frames to print (default 1 in JSON, else until killed)"),
        .value("d", nil, "SECS", "delay between frames"),
        .value("p", nil, "PIDS", "only these processes (comma list)"),
        .value("u", nil, "USER", "only processes whose effective user is USER (name or uid)"),
        .value("o", nil, "FIELD", "sort by FIELD (PID USER PR NI VIRT RES SHR S %CPU %MEM TIME+ COMMAND)"),
        .flag("c", nil, "command lines instead of names"),
        .flag("w", nil, "wide: lines up to 512 columns"),
        .flag(nil, "json", "one JSON array of frames (keys in docs/json.md)"),
    ]), run: runTop)

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
}

let topFields = ["PID", "USER", "PR", "NI", "VIRT", "RES", "SHR", "S", "%CPU", "%MEM", "TIME+", "COMMAND"]

@Sendable
func runTop(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let o = try topApplet.spec.parse(args)
    guard o.operands.isEmpty else { throw topApplet.spec.usageError("unexpected argument '\(o.operands[0])'") }
    guard o.has("b") else { throw ToolError.failure("interactive mode is not available: use -b (batch mode)") }
    var frames = o.has("json") ? 1 : Int.max
    if let n = o.value("n") { guard let v = Int(n), v > 0 else { throw ToolError.usage("bad iterations argument '\(n)'") }; frames = v }
    var delay = 3.0
    if let d = o.value("d") { guard let v = Double(d), v >= 0, v <= 86400 else { throw ToolError.usage("bad delay interval '\(d)'") }; delay = v }
    var pids: Set<Int32>? = nil
    if let p = o.value("p") {
        var s = Set<Int32>()
        for item in p.split(separator: ",") { guard let v = Int32(item), v > 0 else { throw ToolError.usage("bad pid '\(item)'") }; s.insert(v) }
        pids = s
    }
    let user = o.value("u")
    if pids != nil && user != nil { throw ToolError.failure("conflicting process selections (U/p/u)") }
    var sortField = "%CPU", ascending = false
    if var f = o.value("o") {
        if f.hasPrefix("+") { f.removeFirst() } else if f.hasPrefix("-") { f.removeFirst(); ascending = true }
        guard let name = topFields.first(where: { $0.uppercased() == f.uppercased() }) else {
            throw ToolError.failure("unrecognized field name '\(f)'")
        }
        sortField = name
    }
    let width: Int = o.has("w") ? 512 : (getenv("COLUMNS").flatMap { Int(String(cString: $0)) }.map { min(max($0, 1), 512) } ?? 80)
    try ctx.procfs.requireMounted()
    let hz = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    let pageKiB = Int64(max(sysconf(Int32(_SC_PAGESIZE)), 4096) / 1024)
    let names = RootNames(procfs: ctx.procfs, hostRoot: ctx.hostRoot)
    let buffer = ReadBuffer(capacity: 16384)
    var pidWidth = 5
    if let b = try? ctx.procfs.read("sys/kernel/pid_max", into: buffer) { var s = ByteScanner(b); if let v = s.uint() { pidWidth = max(5, String(v).count) } }

    func cpuTimes() -> CpuTimes {
        (try? ctx.procfs.read("stat", into: buffer)).flatMap { CpuTimes.parse($0) } ?? CpuTimes()
    }
    var needs: ProcessTable.Needs = [.root, .statm]
    if o.has("c") { needs.insert(.cmdline) }
    func scan() throws -> ProcessTable {
        let t = try ProcessTable(procfs: ctx.procfs, needs: needs)
        t.scan()
        return t
    }
    var prevTicks: [Int32: UInt64] = [:]
    var prevCpu = cpuTimes()
    var prevTime = monotonicSeconds()
    for t in try scan().entries { prevTicks[t.stat.pid] = t.stat.utime &+ t.stat.stime }
    var jsonFrames: [JSON] = []
    var frame = 0
    while frame < frames {
        pauseSeconds(frame == 0 ? 0.15 : delay)
        let table = try scan()
        let now = monotonicSeconds()
        let cpu = cpuTimes()
        let elapsed = max(now - prevTime, 0.001)
        let mem = (try? ctx.procfs.read("meminfo", into: buffer)).map { Meminfo.parse($0) }
        let memTotal = mem?["MemTotal"] ?? 0
        var tasks: [TopTask] = []
        var running = 0, sleeping = 0, stopped = 0, zombie = 0
        var ticksNow: [Int32: UInt64] = [:]
        ticksNow.reserveCapacity(table.entries.count)
        for e in table.entries {
            let pid = e.stat.pid
            let ticks = e.stat.utime &+ e.stat.stime
            ticksNow[pid] = ticks
            // With -p procps reads only those processes: Tasks counts them alone.
            if let pids, !pids.contains(pid) { continue }
            switch e.stat.state {
            case 0x52: running += 1
            case 0x53, 0x44, 0x49: sleeping += 1
            case 0x54, 0x74: stopped += 1
            case 0x5A: zombie += 1
            default: break
            }
            let userName = names.names(root: e.root, in: table).users.name(e.euid) ?? String(e.euid)
            if let user, user != userName && UInt32(user) != e.euid { continue }
            let delta = ticks &- (prevTicks[pid] ?? ticks)
            var command = String(decoding: table.bytes(e.commOffset, e.commCount), as: UTF8.self)
            if o.has("c"), e.argsCount > 0 {
                var a = Array(table.bytes(e.argsOffset, e.argsCount))
                while a.last == 0 { a.removeLast() }
                for i in a.indices where a[i] == 0 || a[i] == ASCII.newline { a[i] = ASCII.space }
                if !a.isEmpty { command = String(decoding: a, as: UTF8.self) }
            } else if o.has("c") && e.stat.isKernelThread { command = "[\(command)]" }
            let res = max(e.pagesResident, 0) * pageKiB
            tasks.append(TopTask(
                pid: pid, user: userName,
                pr: e.stat.priority <= -100 ? "rt" : String(e.stat.priority), nice: e.stat.nice,
                virt: max(e.pagesSize, 0) * pageKiB, res: res, shr: max(e.pagesShared, 0) * pageKiB,
                state: e.stat.state, cpu: Double(delta) / hz / elapsed * 100,
                mem: memTotal > 0 ? Double(res) * 100 / Double(memTotal) : 0, ticks: ticks, command: command))
        }
        func less(_ a: TopTask, _ b: TopTask) -> Bool {
            switch sortField {
            case "PID": return a.pid < b.pid
            case "USER": return a.user < b.user
            case "PR": return (Int(a.pr) ?? -100) < (Int(b.pr) ?? -100)
            case "NI": return a.nice < b.nice
            case "VIRT": return a.virt < b.virt
            case "RES": return a.res < b.res
            case "SHR": return a.shr < b.shr
            case "S": return a.state < b.state
            case "%MEM": return a.res < b.res
            case "TIME+": return a.ticks < b.ticks
            case "COMMAND": return a.command < b.command
            default: return a.cpu < b.cpu
            }
        }
        // Ties keep pid order, as procps's table (read in pid order) shows them.
        tasks = tasks.enumerated().sorted { x, y in
            let (a, b) = (x.element, y.element)
            if less(a, b) { return ascending }
            if less(b, a) { return !ascending }
            return x.offset < y.offset
        }.map { $0.element }

        let d = cpuDelta(prevCpu, cpu)
        let wallEpoch = time(nil)
        var upSecs = 0
        if let b = try? ctx.procfs.read("uptime", into: buffer) { var s = ByteScanner(b); upSecs = Int(s.uint() ?? 0) }
        if o.has("json") {
            jsonFrames.append(.object([
                ("time", .int(Int64(wallEpoch))), ("uptime", .int(Int64(upSecs))),
                ("tasks", .object([("total", .int(Int64(running + sleeping + stopped + zombie))), ("running", .int(Int64(running))),
                                   ("sleeping", .int(Int64(sleeping))), ("stopped", .int(Int64(stopped))), ("zombie", .int(Int64(zombie)))])),
                ("cpu", .object(zip(["us", "sy", "ni", "id", "wa", "hi", "si", "st"], d).map { ($0.0, .double($0.1)) })),
                ("memory_kib", .object(memoryFigures(mem).map { ($0.0, .uint($0.1)) })),
                ("processes", .array(tasks.map { t in .object([
                    ("pid", .int(Int64(t.pid))), ("user", .string(t.user)), ("priority", Int64(t.pr).map { .int($0) } ?? .string(t.pr)),
                    ("nice", .int(t.nice)), ("virt_kib", .int(t.virt)), ("res_kib", .int(t.res)), ("shr_kib", .int(t.shr)),
                    ("state", .string(String(UnicodeScalar(t.state)))), ("cpu_percent", .double(t.cpu)), ("mem_percent", .double(t.mem)),
                    ("time_centiseconds", .uint(UInt64(Double(t.ticks) * 100 / hz))), ("command", .string(t.command)),
                ]) })),
            ]))
        } else {
            let out = ctx.out
            if frame > 0 { out.byte(ASCII.newline) }
            func line(_ s: String) {
                // A cut line ends in `+`, as procps marks it.
                if s.utf8.count <= width { out.line(s) } else { out.line(String(decoding: Array(s.utf8.prefix(width - 2)), as: UTF8.self) + "+") }
            }
            line("top - " + ((try? uptimeSummary(ctx, now: wallEpoch, uptime: upSecs)) ?? ""))
            line("Tasks: \(cfmt("%3d", running + sleeping + stopped + zombie)) total, \(cfmt("%3d", running)) running, \(cfmt("%3d", sleeping)) sleeping, \(cfmt("%3d", stopped)) stopped, \(cfmt("%3d", zombie)) zombie")
            line("%Cpu(s): " + zip(d, ["us", "sy", "ni", "id", "wa", "hi", "si", "st"]).map { cfmt("%4.1f", $0.0) + " " + $0.1 }.joined(separator: ", ") + " ")
            let m = memoryFigures(mem).map { Double($0.1) / 1024 }
            line("MiB Mem : \(cfmt("%8.1f", m[0])) total, \(cfmt("%8.1f", m[1])) free, \(cfmt("%8.1f", m[2])) used, \(cfmt("%8.1f", m[3])) buff/cache     ")
            line("MiB Swap: \(cfmt("%8.1f", m[4])) total, \(cfmt("%8.1f", m[5])) free, \(cfmt("%8.1f", m[6])) used. \(cfmt("%8.1f", m[7])) avail Mem ")
            out.byte(ASCII.newline)
            let pidHeader = String(repeating: " ", count: pidWidth - 3) + "PID"
            line(pidHeader + " USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND")
            for t in tasks {
                var s = String(repeating: " ", count: max(0, pidWidth - String(t.pid).count)) + String(t.pid) + " "
                let u = t.user.count > 8 ? String(t.user.prefix(7)) + "+" : t.user
                s += u + String(repeating: " ", count: 8 - u.count) + " "
                s += String(repeating: " ", count: max(0, 3 - t.pr.count)) + t.pr + " " + cfmt("%3d", Int(t.nice)) + " "
                s += scaleKiB(t.virt, 7) + " " + scaleKiB(t.res, 6) + " " + scaleKiB(t.shr, 6) + " "
                s += String(UnicodeScalar(t.state)) + " " + cfmt("%5.1f", t.cpu) + " " + cfmt("%5.1f", t.mem) + " "
                s += timePlus(t.ticks, hz) + " " + t.command
                line(s)
            }
        }
        prevTicks = ticksNow; prevCpu = cpu; prevTime = now
        frame += 1
        if !o.has("json") { ctx.out.flush() }
    }
    if o.has("json") { JSON.array(jsonFrames).write(to: ctx.out) }
    return ExitCode.success
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
func cfmt(_ format: String, _ v: CVarArg) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    _ = withVaList([v]) { vsnprintf(&buf, 64, format, $0) }
    return String(cString: buf)
}

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

/// TIME+: minutes:seconds.hundredths in 9 columns (procps scale_tics).
func timePlus(_ ticks: UInt64, _ hz: Double) -> String {
    let cs = UInt64(Double(ticks) * 100 / hz)
    let secs = cs / 100, mins = secs / 60
    var s = "\(mins):" + (secs % 60 < 10 ? "0" : "") + "\(secs % 60)." + (cs % 100 < 10 ? "0" : "") + "\(cs % 100)"
    if s.count > 9 { s = "\(mins):" + (secs % 60 < 10 ? "0" : "") + "\(secs % 60)" }
    if s.count > 9 { s = "\(mins / 60),\(mins % 60 < 10 ? "0" : "")\(mins % 60)" }
    return String(repeating: " ", count: max(0, 9 - s.count)) + s
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
