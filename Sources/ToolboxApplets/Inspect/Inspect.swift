import ToolboxCore

let inspectApplet = Applet(spec: AppletSpec(
    name: "inspect",
    summary: "Why is this process unhealthy: limits, OOM kills, throttling, fds, env, mounts, security of one process",
    usage: ["[--interval=SECS] [--show-secrets] [--json] PID [SECTION...]"],
    details: """
    SECTIONs (default: all, in this order): identity memory cpu limits fds env
    mounts security. Figures from cgroup files name their source: the host
    cgroupfs (the path of /proc/PID/cgroup under this process's cgroup mounts)
    or the target's root (/proc/PID/root/sys/fs/cgroup, as the runtime mounted
    it for the app); v2 first, then v1. Files that need ptrace access
    (environ, smaps_rollup, fd/, ns/*, cwd, exe) are opened directly, else by
    borrowing the target's uid and gid in a short-lived child; when neither
    works the section says why and how to fix it. Use above 80% of a limit is
    marked with `!`. Exit status: 0 when every section was read, 1 otherwise.
    """,
    options: [
        .value("i", "interval", "SECS", "sample the CPU rate and throttling over SECS (default 0.5; 0: no sample)"),
        .flag(nil, "show-secrets", "print values of secret-looking environment variables"),
        .flag(nil, "json", "one JSON document (keys in docs/json.md)"),
    ]), run: runInspect)

/// The sections, in print order.
let inspectSections = ["identity", "memory", "cpu", "limits", "fds", "env", "mounts", "security"]

@Sendable
func runInspect(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try inspectApplet.spec.parse(args)
    try ctx.procfs.requireMounted()
    guard let first = opts.operands.first else { throw inspectApplet.spec.usageError("missing process id") }
    guard let pid = Int32(first), pid > 0 else { throw ToolError.usage("'\(first)' is not a process id") }
    var wanted: [String] = []
    for s in opts.operands.dropFirst() {
        guard inspectSections.contains(s) else {
            throw inspectApplet.spec.usageError("unknown section '\(s)' (sections: \(inspectSections.joinedText(" ")))")
        }
        if !wanted.contains(s) { wanted.append(s) }
    }
    if wanted.isEmpty { wanted = inspectSections }
    var interval = 0.5
    if let v = opts.value("interval") {
        guard let d = Double(v), d >= 0, d <= 3600 else { throw ToolError.usage("invalid interval '\(v)'") }
        interval = d
    }
    let t = InspectTarget(ctx: ctx, pid: pid, showSecrets: opts.has("show-secrets"))
    t.json = opts.has("json")
    guard t.status != nil else {
        throw ToolError.failure("\(pid): no such process")
    }
    // The CPU section's first sample is taken before the other sections
    // are read and its second one after them, once --interval has passed:
    // the wait overlaps the reads (wall: the longer of the two).
    let sample = wanted.contains("cpu") ? t.cpuSample() : nil
    var sections: [InspectSection] = []
    var cpuSection: InspectSection? = nil
    for name in inspectSections where wanted.contains(name) {
        let s = InspectSection(name)
        switch name {
        case "identity": t.identity(s)
        case "memory": t.memory(s)
        case "cpu": cpuSection = s
        case "limits": t.limits(s)
        case "fds": t.fds(s)
        case "env": t.env(s)
        case "mounts": t.mounts(s)
        default: t.security(s)
        }
        sections.append(s)
    }
    if let s = cpuSection { t.cpu(s, interval: interval, first: sample) }
    let complete = sections.allSatisfy { $0.problems.isEmpty }
    if opts.has("json") {
        var members: [(String, JSON)] = [("pid", .int(Int64(pid))), ("complete", .bool(complete))]
        for s in sections { members.append((s.name, s.jsonValue)) }
        JSON.object(members).write(to: ctx.out)
    } else {
        for (i, s) in sections.enumerated() {
            if i > 0 { ctx.out.line() }
            ctx.out.line(s.name)
            for l in s.lines { ctx.out.line(l) }
        }
    }
    return complete ? ExitCode.success : ExitCode.failure
}

/// One section's text lines and JSON members, built together so the two
/// cannot drift.
final class InspectSection {
    let name: String
    var lines: [String] = []
    var json: [(String, JSON)] = []
    /// What could not be read (the section is then incomplete: exit 1).
    var problems: [String] = []

    init(_ name: String) { self.name = name }

    /// `  label        text`, and `key: value` in JSON. `warn` marks it with `!`.
    func row(_ label: String, _ text: String, _ key: String? = nil, _ value: JSON = .null, warn: Bool = false) {
        let pad = label.utf8.count < 13 ? String(repeating: " ", count: 13 - label.utf8.count) : " "
        lines.append((warn ? "! " : "  ") + label + pad + text)
        if let key { json.append((key, value)) }
    }
    func text(_ line: String) { lines.append("  " + line) }
    /// A part of the section that could not be read, and why.
    func fail(_ key: String, _ why: String) {
        problems.append(why)
        lines.append("  \(key): cannot read: \(why)")
    }
    var jsonValue: JSON {
        .object(stableMembers + [("errors", .array(problems.map { .string($0) }))])
    }
}

// MARK: - The target and its sections

final class InspectTarget {
    let ctx: Context
    let pid: Int32
    let procfs: ProcFS
    let showSecrets: Bool
    /// Build the per-fd JSON rows only for --json (10,000 fds: 10,000 objects).
    var json = false
    let status: PidStatus?
    let details: PidStatusDetails
    let opener: PathOpener
    let buffer = ReadBuffer(capacity: 16384)
    private var cgroupReader: TargetCgroup??
    private var fdCache: Result<([(fd: Int32, target: String)], ProcAccessWay), PathError>?

    init(ctx: Context, pid: Int32, showSecrets: Bool) {
        self.ctx = ctx; self.pid = pid; self.procfs = ctx.procfs; self.showSecrets = showSecrets
        opener = PathOpener(procRoot: ctx.procfs.root)
        let b = try? readBoundedFile(ctx.procfs.path(pid, "status"), into: buffer)
        status = b.flatMap { PidStatus.parse($0) }
        details = b.map { PidStatusDetails.parse($0) } ?? PidStatusDetails()
    }

    /// A whole /proc/PID file that needs no ptrace access, bounded, copied.
    func procFile(_ name: String) throws(Errno) -> [UInt8] {
        try withExtendedLifetime(buffer) { () throws(Errno) -> [UInt8] in Array(try readBoundedFile(procfs.path(pid, name), into: buffer)) }
    }

    var cgroup: TargetCgroup? {
        if let c = cgroupReader { return c }
        let c = try? TargetCgroup(procfs: procfs, pid: pid, opener: opener)
        cgroupReader = .some(c)
        return c
    }

    /// A cgroup file read as one value / keyed / cpu.max, with its source.
    func cgValue(_ controller: String, _ v2: String?, _ v1: String?) -> (CgroupValue, TargetCgroup.Source)? {
        guard let r = cgroup?.read(controller, v2: v2, v1: v1), let v = withBytes(r.bytes, { CgroupValue.parse($0) }) else { return nil }
        return (v, r.source)
    }
    func cgKeyed(_ controller: String, _ v2: String?, _ v1: String?) -> (CgroupKeyed, TargetCgroup.Source)? {
        guard let r = cgroup?.read(controller, v2: v2, v1: v1) else { return nil }
        return (withBytes(r.bytes) { CgroupKeyed.parse($0) }, r.source)
    }
    /// cpu.stat with throttling counters: v2's cpu.stat exists in every v2
    /// cgroup, but has nr_periods only where the cpu controller is enabled
    /// (on a hybrid system it is in v1).
    func cpuStat() -> (CgroupKeyed, TargetCgroup.Source)? {
        if let r = cgKeyed("cpu", "cpu.stat", nil), r.0["nr_periods"] != nil { return r }
        return cgKeyed("cpu", nil, "cpu.stat") ?? cgKeyed("cpu", "cpu.stat", nil)
    }

    var fdLinks: Result<([(fd: Int32, target: String)], ProcAccessWay), PathError> {
        if let c = fdCache { return c }
        let r: Result<([(fd: Int32, target: String)], ProcAccessWay), PathError>
        do { r = .success(try procFDLinks(procfs: procfs, pid: pid)) } catch { r = .failure(error) }
        fdCache = r
        return r
    }

    /// The cgroup's memory use and limit in bytes and its CPU quota in
    /// cores (nil: no limit).
    func limitFigures() -> (used: UInt64?, limit: UInt64?, quota: Double?) {
        let used = cgValue("memory", "memory.current", "memory.usage_in_bytes")?.0.number
        let limit = cgValue("memory", "memory.max", "memory.limit_in_bytes")?.0.number
        var quota: Double? = nil
        if let r = cgroup?.read("cpu", v2: "cpu.max", v1: nil), let m = withBytes(r.bytes, { CpuMax.parse($0) }) { quota = m.cores }
        else if let q = cgValue("cpu", nil, "cpu.cfs_quota_us")?.0.number, let p = cgValue("cpu", nil, "cpu.cfs_period_us")?.0.number, p > 0 {
            quota = Double(q) / Double(p)
        }
        return (used, limit, quota)
    }

    // MARK: identity

    func identity(_ s: InspectSection) {
        guard let st = status else { return }
        if let cmd = try? procFile("cmdline") {
            var parts = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if parts.last == "" { parts.removeLast() }
            let text = parts.isEmpty ? "[\(st.name ?? "?")]" : parts.joinedText(" ")
            s.row("command", text, "command", .array(parts.map { .string($0) }))
        }
        s.row("name", st.name ?? "?", "name", .text(st.name))
        for (entry, key) in [("exe", "exe"), ("cwd", "cwd")] {
            do { let p = try readTargetLink(procfs: procfs, pid: pid, entry); s.row(key, p, key, .string(p)) }
            catch { s.fail(key, error.message) }
        }
        let names = containerIDNames(procfs: procfs, pid: pid)
        s.row("uid", idLine(st.uids, names.users), "uids", .array(st.uids.map { .int(Int64($0)) }))
        s.row("gid", idLine(st.gids, names.groups), "gids", .array(st.gids.map { .int(Int64($0)) }))
        if let users = st.uids.first.flatMap({ names.users.name($0) }) { s.json.append(("user", .string(users))) }
        let cg = (try? procFile("cgroup")).flatMap { c in withBytes(c) { ContainerRef.parse($0) } }
        s.row("container", cg.map { "\($0.shortID) (\($0.runtime.rawValue))" + ($0.podUID.map { ", pod \($0)" } ?? "") } ?? "- (not in a container the cgroup path names)",
              "container", cg.map { .object([("id", .string($0.id)), ("runtime", .string($0.runtime.rawValue)), ("pod_uid", .text($0.podUID))]) } ?? .null)
        let stat = (try? procFile("stat")).flatMap { b in withBytes(b) { PidStat.parse($0) } }
        let stateNames: [UInt8: String] = [0x52: "running", 0x53: "sleeping", 0x44: "disk sleep", 0x5A: "zombie",
                                           0x54: "stopped", 0x74: "tracing stop", 0x49: "idle", 0x58: "dead"]
        if let state = st.state {
            let c = String(UnicodeScalar(state))
            s.row("state", "\(c) (\(stateNames[state] ?? "?"))", "state", .string(c))
        }
        if let stat {
            let clock = PsClock(procfs)
            let started = Double(stat.startTime) / Double(clock.hertz)
            let age = max(0, clock.uptime - started)
            let epoch = clock.bootTime + Int(started)
            s.row("started", "\(utcTime(epoch)), \(duration(age)) ago", "start_time", .int(Int64(epoch)))
            s.json.append(("age_seconds", .double((age * 10).rounded() / 10)))
        }
        s.row("threads", st.threads.map(String.init) ?? "?", "threads", .number(st.threads))
        // Parent chain, up to pid 1 of this pid namespace or the first parent
        // in another container (the pod's infra process, conmon, the node).
        var chain: [(Int32, String)] = []
        var next = st.ppid ?? 0
        var seen = 0
        while next > 0 && seen < 64 {
            seen += 1
            guard let ps = try? readBoundedFile(procfs.path(next, "status"), into: buffer), let p = PidStatus.parse(ps) else { break }
            chain.append((next, p.name ?? "?"))
            let pc = (try? readBoundedFile(procfs.path(next, "cgroup"), into: buffer)).flatMap { ContainerRef.parse($0) }
            if pc?.id != cg?.id { break }
            next = p.ppid ?? 0
        }
        s.row("parents", chain.isEmpty ? "-" : chain.map { "\($0.0) \($0.1)" }.joinedText(" <- "),
              "parents", .array(chain.map { .object([("pid", .int(Int64($0.0))), ("name", .string($0.1))]) }))
    }

    // MARK: memory

    func memory(_ s: InspectSection) {
        var rssBytes: UInt64? = details.vmRSS.map { $0 * 1024 }
        do {
            let (b, way) = try readTargetEntry(procfs: procfs, pid: pid, "smaps_rollup")
            if let r = withBytes(b, { SmapsRollup.parse($0) }) {
                rssBytes = r.rss.map { $0 * 1024 } ?? rssBytes
                s.row("rss", size(rssBytes), "rss_bytes", .number(rssBytes))
                s.row("pss", size(r.pss.map { $0 * 1024 }), "pss_bytes", .number(r.pss.map { $0 * 1024 }))
                s.row("swap", size(r.swap.map { $0 * 1024 }), "swap_bytes", .number(r.swap.map { $0 * 1024 }))
                s.json.append(("smaps_rollup_access", .string(way.description)))
            }
        } catch {
            s.row("rss", size(rssBytes) + " (status; smaps_rollup unreadable)", "rss_bytes", .number(rssBytes))
            s.fail("pss, swap", error.message)
        }
        s.row("peak rss", size(details.vmHWM.map { $0 * 1024 }), "peak_rss_bytes", .number(details.vmHWM.map { $0 * 1024 }))
        let used = cgValue("memory", "memory.current", "memory.usage_in_bytes")
        let limit = cgValue("memory", "memory.max", "memory.limit_in_bytes")
        let peak = cgValue("memory", "memory.peak", "memory.max_usage_in_bytes")
        if let (u, src) = used, let v = u.number {
            var text = size(v)
            var warn = false
            var pct: Double? = nil
            if let (l, _) = limit {
                if let lim = l.number, lim > 0 {
                    pct = Double(v) * 100 / Double(lim)
                    text += " of \(size(lim)) (\(percent(pct!)))"
                    warn = pct! > 80
                } else { text += " (no limit)" }
            }
            s.row("cgroup", text, "cgroup_usage_bytes", .uint(v), warn: warn)
            s.json.append(("cgroup_limit_bytes", limit.flatMap { $0.0.number }.map { .uint($0) } ?? .null))
            s.json.append(("cgroup_usage_percent", pct.map { .double(($0 * 10).rounded() / 10) } ?? .null))
            if let (p, _) = peak, let pv = p.number {
                s.row("cgroup peak", size(pv), "cgroup_peak_bytes", .uint(pv))
            }
            s.row("  source", src.description, "cgroup_source", .string(src.description))
        } else if cgroup?.inRootCgroup("memory") == true {
            s.row("cgroup", "none (the root memory cgroup: no limit)", "cgroup_usage_bytes", .null)
        } else {
            s.fail("cgroup memory", cgroupWhy())
        }
        if let (events, src) = cgKeyed("memory", "memory.events", "memory.oom_control") {
            let kills = events["oom_kill"]
            let text = kills.map { "\($0)" } ?? "? (no oom_kill counter: kernel before 4.13)"
            s.row("oom kills", text + " (\(src.version == 2 ? "memory.events" : "memory.oom_control"))", "oom_kills", .number(kills), warn: (kills ?? 0) > 0)
            if let oom = events["oom"] ?? events["under_oom"] { s.json.append(("oom_events", .uint(oom))) }
        }
        let score = (try? procFile("oom_score")).flatMap { b in withBytes(b) { CgroupValue.parse($0)?.number } }
        let adj = (try? procFile("oom_score_adj")).map { String(decoding: $0, as: UTF8.self).trimmingNewline }
        s.row("oom score", "\(score.map(String.init) ?? "?") (adj \(adj ?? "?"))", "oom_score", .number(score))
        s.json.append(("oom_score_adj", adj.flatMap { Int64($0) }.map { .int($0) } ?? .null))
    }

    func cgroupWhy() -> String {
        guard let c = cgroup else { return "\(procfs.path(pid, "cgroup")): cannot read" }
        if let e = c.targetRootError { return e }
        return "no cgroup file found under this process's cgroup mounts nor under \(procfs.path(pid, "root"))/sys/fs/cgroup"
    }

    // MARK: cpu

    func cpuTicks() -> (UInt64, UInt64)? {
        (try? procFile("stat")).flatMap { b in withBytes(b) { PidStat.parse($0) } }.map { ($0.utime, $0.stime) }
    }

    /// The first reading of a CPU rate: the process's ticks, the cgroup's
    /// cpu.stat and usage, and when.
    struct CpuSample {
        var ticks: (UInt64, UInt64)?
        var stat: (CgroupKeyed, TargetCgroup.Source)?
        var usage: (UInt64, TargetCgroup.Source)?
        var time: Double
    }
    func cpuSample() -> CpuSample { CpuSample(ticks: cpuTicks(), stat: cpuStat(), usage: cgUsage(), time: monotonicSeconds()) }

    /// The cpu section; the rates run from `first` (taken now when nil) to
    /// `interval` seconds after it (or later, when reading the other
    /// sections took longer: the rates divide by the time that passed).
    func cpu(_ s: InspectSection, interval: Double, first: CpuSample? = nil) {
        let hz = Double(PsClock(procfs).hertz)
        let start = first ?? cpuSample()
        guard let t0 = start.ticks else { s.fail("cpu", "\(procfs.path(pid, "stat")): cannot read"); return }
        let c0 = start.stat
        let u0 = start.usage
        var rate: Double? = nil, t1 = t0, c1 = c0, u1 = u0
        var elapsed = interval
        if interval > 0 {
            let left = start.time + interval - monotonicSeconds()
            if left > 0 { pauseSeconds(left) }
            elapsed = max(monotonicSeconds() - start.time, interval)
            t1 = cpuTicks() ?? t0
            c1 = cpuStat()
            u1 = cgUsage()
            rate = Double((t1.0 + t1.1) - (t0.0 + t0.1)) / hz / elapsed * 100
        }
        s.row("user", seconds(Double(t1.0) / hz), "user_seconds", .double(Double(t1.0) / hz))
        s.row("system", seconds(Double(t1.1) / hz), "system_seconds", .double(Double(t1.1) / hz))
        s.row("rate", rate.map { "\(percent($0)) of one CPU over \(interval) s" } ?? "- (not sampled: --interval 0)",
              "rate_percent", rate.map { .double(($0 * 10).rounded() / 10) } ?? .null)
        s.json.append(("interval_seconds", .double(interval)))
        var quota: Double? = nil
        if let r = cgroup?.read("cpu", v2: "cpu.max", v1: nil), let m = withBytes(r.bytes, { CpuMax.parse($0) }) {
            quota = m.cores
            s.row("quota", quota.map { "\(cores($0)) CPUs (cpu.max \(m.quotaMicros!)/\(m.periodMicros))" } ?? "none (cpu.max max)", "quota_cores", quota.map { .double($0) } ?? .null)
            s.row("  source", r.source.description, "quota_source", .string(r.source.description))
        } else if let (q, src) = cgValue("cpu", nil, "cpu.cfs_quota_us"), let (p, _) = cgValue("cpu", nil, "cpu.cfs_period_us") {
            if let qv = q.number, let pv = p.number, pv > 0 {
                quota = Double(qv) / Double(pv)
                s.row("quota", "\(cores(quota!)) CPUs (cfs_quota_us \(qv) / cfs_period_us \(pv))", "quota_cores", .double(quota!))
            } else {
                s.row("quota", "none (cfs_quota_us -1)", "quota_cores", .null)
            }
            s.row("  source", src.description, "quota_source", .string(src.description))
        } else if cgroup?.inRootCgroup("cpu") == true {
            s.row("quota", "none (the root cpu cgroup)", "quota_cores", .null)
        } else {
            s.fail("cpu quota", cgroupWhy())
        }
        if let u0, let u1, interval > 0 {
            let used = Double(u1.0 - min(u0.0, u1.0)) / 1e9 / elapsed
            var text = "\(cores(used)) CPUs over the sample"
            var warn = false
            if let q = quota, q > 0 { text += " (\(percent(used / q * 100)) of the quota)"; warn = used / q > 0.8 }
            s.row("cgroup rate", text, "cgroup_rate_cores", .double((used * 1000).rounded() / 1000), warn: warn)
        }
        if let (st, src) = c1 {
            let periods = st["nr_periods"] ?? 0, throttled = st["nr_throttled"] ?? 0
            // v2 throttled_usec, v1 throttled_time (ns).
            let tSec = st["throttled_usec"].map { Double($0) / 1e6 } ?? st["throttled_time"].map { Double($0) / 1e9 } ?? 0
            var text = "\(throttled) of \(periods) periods, \(seconds(tSec)) throttled"
            var warn = false
            if let (st0, _) = c0, interval > 0 {
                let dp = periods - min(st0["nr_periods"] ?? 0, periods), dt = throttled - min(st0["nr_throttled"] ?? 0, throttled)
                if dp > 0 { text += "; during the sample \(dt) of \(dp) (\(percent(Double(dt) * 100 / Double(dp))))"; warn = dt > 0 }
                s.json.append(("sample_periods", .uint(dp))); s.json.append(("sample_throttled", .uint(dt)))
            }
            s.row("throttled", text, "nr_throttled", .uint(throttled), warn: warn)
            s.json.append(("nr_periods", .uint(periods))); s.json.append(("throttled_seconds", .double(tSec)))
            s.row("  source", src.description, "throttle_source", .string(src.description))
        } else if cgroup?.inRootCgroup("cpu") != true {
            s.fail("cpu.stat", cgroupWhy())
        }
    }

    /// The cgroup's CPU time in ns: v2 cpu.stat usage_usec, v1 cpuacct.usage.
    func cgUsage() -> (UInt64, TargetCgroup.Source)? {
        if let (k, src) = cgKeyed("cpu", "cpu.stat", nil), let u = k["usage_usec"] { return (u * 1000, src) }
        if let (v, src) = cgValue("cpuacct", nil, "cpuacct.usage"), let n = v.number { return (n, src) }
        return nil
    }

    // MARK: limits

    func limits(_ s: InspectSection) {
        let lim: PidLimits
        do { lim = withBytes(try procFile("limits")) { PidLimits.parse($0) } }
        catch { s.fail("limits", "\(procfs.path(pid, "limits")): \(error.message)"); return }
        var fdCount: Int? = nil
        if case .success(let (links, _)) = fdLinks { fdCount = links.count }
        var rows: [JSON] = []
        s.text("resource        soft        hard        in use")
        for (procName, _, short) in PidLimits.kernelNames {
            guard let l = lim.limit(procName) else { continue }
            let used: UInt64?
            switch short {
            case "NOFILE": used = fdCount.map { UInt64($0) }
            case "NPROC": used = status?.realUID.map { threadsOfUser($0) }
            case "STACK": used = details.vmStk.map { $0 * 1024 }
            case "DATA": used = details.vmData.map { $0 * 1024 }
            case "AS": used = details.vmSize.map { $0 * 1024 }
            case "MEMLOCK": used = details.vmLck.map { $0 * 1024 }
            case "RSS": used = details.vmRSS.map { $0 * 1024 }
            case "SIGPENDING": used = details.sigQueued
            default: used = nil
            }
            var pct: Double? = nil
            if let u = used, let soft = l.soft, soft > 0 { pct = Double(u) * 100 / Double(soft) }
            let warn = (pct ?? 0) > 80
            let usedText = used.map { "\($0)" + (pct.map { " (\(percent($0)))" } ?? "") } ?? "-"
            s.lines.append((warn ? "! " : "  ") + pad(short.lowercased(), 16) + pad(l.soft.map(String.init) ?? "unlimited", 12)
                           + pad(l.hard.map(String.init) ?? "unlimited", 12) + usedText)
            rows.append(.object([("resource", .string(short.lowercased())), ("soft", l.soft.map { .uint($0) } ?? .null),
                                 ("hard", l.hard.map { .uint($0) } ?? .null), ("unit", .string(l.unit)),
                                 ("used", used.map { .uint($0) } ?? .null),
                                 ("used_percent", pct.map { .double(($0 * 10).rounded() / 10) } ?? .null)]))
        }
        s.json.append(("rlimits", .array(rows)))
        if case .failure(let e) = fdLinks { s.fail("nofile in use", e.message) }
        if let (cur, src) = cgValue("pids", "pids.current", "pids.current") {
            let max = cgValue("pids", "pids.max", "pids.max")?.0
            var text = "\(cur.number ?? 0)"
            var pct: Double? = nil
            if let m = max?.number, m > 0 { pct = Double(cur.number ?? 0) * 100 / Double(m); text += " of \(m) (\(percent(pct!)))" }
            else { text += " (no limit)" }
            s.row("cgroup pids", text, "pids_current", .uint(cur.number ?? 0), warn: (pct ?? 0) > 80)
            s.json.append(("pids_max", max?.number.map { .uint($0) } ?? .null))
            s.row("  source", src.description, "pids_source", .string(src.description))
        } else if cgroup?.inRootCgroup("pids") == true {
            s.row("cgroup pids", "none (the root pids cgroup: no limit)", "pids_current", .null)
        } else {
            s.fail("cgroup pids", cgroupWhy())
        }
    }

    /// Threads of processes whose real uid is `uid` (what RLIMIT_NPROC counts).
    func threadsOfUser(_ uid: UInt32) -> UInt64 {
        var n: UInt64 = 0
        for p in (try? procfs.pids()) ?? [] {
            guard let b = try? buffer.readFile(procfs.path(p, "status"), limit: 4096), let st = PidStatus.parse(b),
                  st.realUID == uid else { continue }
            n += UInt64(st.threads ?? 1)
        }
        return n
    }

    // MARK: fds

    func fds(_ s: InspectSection) {
        let links: [(fd: Int32, target: String)]
        let way: ProcAccessWay
        switch fdLinks {
        case .success(let r): (links, way) = r
        case .failure(let e): s.fail("fds", e.message); return
        }
        let sockets = SocketNames(procfs: procfs, pid: pid, needed: links.contains { $0.target.hasPrefix("socket:[") })
        var counts: [(String, Int)] = []
        var rows: [JSON] = []
        var out: [String] = []
        out.reserveCapacity(links.count)
        for (fd, target) in links {
            let kind = fdKind(target)
            if let i = counts.firstIndex(where: { $0.0 == kind }) { counts[i].1 += 1 } else { counts.append((kind, 1)) }
            var text = target
            var member: [(String, JSON)] = [("fd", .int(Int64(fd))), ("kind", .string(kind)), ("target", .string(target))]
            if kind == "socket", let ino = socketInode(target), let d = sockets.describe(ino) {
                text += " " + d.text
                member += d.json
            }
            out.append("  " + pad(String(fd), 6) + pad(kind, 11) + text)
            if json { rows.append(.object(member)) }
        }
        s.row("total", "\(links.count)" + (way == .direct ? "" : " (read as \(way))"), "total", .int(Int64(links.count)))
        s.row("by kind", counts.map { "\($0.0) \($0.1)" }.joinedText(", "), "by_kind", .object(counts.map { ($0.0, .int(Int64($0.1))) }))
        s.text("fd    kind       target")
        s.lines += out
        s.json.append(("fds", .array(rows)))
    }

    // MARK: env

    func env(_ s: InspectSection) {
        let bytes: [UInt8], way: ProcAccessWay
        do { (bytes, way) = try readTargetEntry(procfs: procfs, pid: pid, "environ") }
        catch { s.fail("environ", error.message); return }
        let e = withBytes(bytes) { Environ.parse($0) }
        var rows: [(String, JSON)] = []
        var masked = 0
        for v in e.variables {
            let name = v.nameString
            let hide = !showSecrets && looksSecret(name)
            if hide { masked += 1 }
            let value = hide ? "****** (\(v.value.count) bytes, masked; --show-secrets shows it)" : v.valueString
            s.text(v.hasValue ? "\(name)=\(value)" : name)
            rows.append((name, hide ? .string("******") : (v.hasValue ? .string(v.valueString) : .null)))
        }
        if way != .direct { s.text("(read as \(way))") }
        s.json.append(("variables", .object(rows)))
        s.json.append(("masked", .int(Int64(masked))))
    }

    // MARK: mounts

    func mounts(_ s: InspectSection) {
        let info: MountInfo
        do { info = withBytes(try procFile("mountinfo")) { MountInfo.parse($0) } }
        catch { s.fail("mountinfo", "\(procfs.path(pid, "mountinfo")): \(error.message)"); return }
        // The host's mount point of each file system (by device and root "/"),
        // to name tmpfs volumes whose own root is "/".
        let own = (try? withExtendedLifetime(buffer) { () throws(Errno) -> MountInfo in
            MountInfo.parse(try readBoundedFile(procfs.path(nil, "mountinfo"), into: buffer)) }) ?? MountInfo()
        var hostPoint: [UInt64: String] = [:]
        for m in own.mounts where m.root == "/" { hostPoint[UInt64(m.major) << 32 | UInt64(m.minor)] = m.mountPoint }
        var rows: [JSON] = []
        s.text("mount point                      kind          ro  type      source")
        for m in info.mounts {
            var path = m.root
            if path == "/", let hp = hostPoint[UInt64(m.major) << 32 | UInt64(m.minor)], hp != m.mountPoint { path = hp }
            let kind = VolumeKind.classify(path: path, fsType: m.fsType, mountPoint: m.mountPoint)
            if kind == .kernel { continue }
            let ro = m.readOnly || m.superReadOnly
            let from = m.root == "/" ? m.source : m.root
            s.text(pad(m.mountPoint, 33) + pad(kind.rawValue, 14) + pad(ro ? "ro" : "rw", 4) + pad(m.fsType, 10) + from)
            rows.append(.object([("mount_point", .string(m.mountPoint)), ("kind", .string(kind.rawValue)), ("read_only", .bool(ro)),
                                 ("fs_type", .string(m.fsType)), ("source", .string(m.source)), ("root", .string(m.root))]))
        }
        s.json.append(("mounts", .array(rows)))
    }

    // MARK: security

    func security(_ s: InspectSection) {
        guard let st = status else { return }
        for (name, v, key) in [("CapEff", st.capEffective, "cap_effective"), ("CapPrm", st.capPermitted, "cap_permitted"),
                               ("CapInh", st.capInheritable, "cap_inheritable"), ("CapBnd", st.capBounding, "cap_bounding"),
                               ("CapAmb", st.capAmbient, "cap_ambient")] {
            s.row(name, v.map { CapabilitySet(rawValue: $0).decoded } ?? "-", key,
                  v.map { .array(CapabilitySet(rawValue: $0).names.map { .string($0) }) } ?? .null)
        }
        s.row("NoNewPrivs", st.noNewPrivs.map { $0 ? "1" : "0" } ?? "-", "no_new_privs", st.noNewPrivs.map { .bool($0) } ?? .null)
        let modes = ["disabled", "strict", "filter"]
        var sc = st.seccomp.map { "\($0)" + ($0 >= 0 && $0 < 3 ? " (\(modes[$0]))" : "") } ?? "-"
        if let f = details.seccompFilters { sc += ", \(f) filter\(f == 1 ? "" : "s")" }
        s.row("Seccomp", sc, "seccomp", st.seccomp.map { .string($0 >= 0 && $0 < 3 ? modes[$0] : String($0)) } ?? .null)
        s.json.append(("seccomp_filters", .number(details.seccompFilters)))
        // Namespaces: the same inode as this process's means shared.
        let kinds: [(String, String)] = [("mnt", "-m"), ("uts", "-u"), ("ipc", "-i"), ("net", "-n"), ("pid", "-p"),
                                         ("cgroup", "-C"), ("user", "-U"), ("time", "-T")]
        var join: [String] = []
        var rows: [(String, JSON)] = []
        var failed: [String] = []
        for (kind, flag) in kinds {
            guard let mine = try? namespaceInode(procfs: procfs, pid: nil, kind) else { continue }
            do {
                let theirs = try namespaceInode(procfs: procfs, pid: pid, kind)
                let shared = theirs == mine
                if !shared && kind != "user" { join.append(flag) }
                s.text(pad(kind, 8) + pad("\(kind):[\(theirs)]", 22) + (shared ? "shared with this process" : "separate"))
                rows.append((kind, .object([("inode", .uint(theirs)), ("shared", .bool(shared))])))
            } catch { failed.append(error.message) }
        }
        if let f = failed.first { s.fail("namespaces", f) }
        if !join.isEmpty {
            s.row("join with", "nsenter -t \(pid) \(join.joinedText(" ")) (needs cap_sys_admin; or kubectl debug --target for the pid namespace)",
                  "nsenter", .string("nsenter -t \(pid) \(join.joinedText(" "))"))
        }
        s.json.append(("namespaces", .object(rows)))
    }
}

// MARK: - Helpers

/// Kind of an fd link target, as lsof's TYPE roughly: file, socket, pipe,
/// anon (anon_inode:[eventpoll]...), other (memfd, dmabuf...).
func fdKind(_ target: String) -> String {
    if target.hasPrefix("/") { return target.hasPrefix("/dev/") ? "device" : "file" }
    if target.hasPrefix("socket:[") { return "socket" }
    if target.hasPrefix("pipe:[") { return "pipe" }
    if target.hasPrefix("anon_inode:") { return "anon_inode" }
    return "other"
}

func socketInode(_ target: String) -> UInt64? {
    guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
    return UInt64(target.dropFirst(8).dropLast())
}

/// Socket inodes of a process's network namespace to protocol, addresses
/// and state, from /proc/PID/net (the tables netstat reads, read lazily:
/// SocketTables).
struct SocketNames {
    struct Description { let text: String; let json: [(String, JSON)] }
    let tables: SocketTables?

    init(procfs: ProcFS, pid: Int32, needed: Bool) {
        tables = needed ? SocketTables(procfs: procfs, pid: pid) : nil
    }

    func describe(_ inode: UInt64) -> Description? {
        guard let found = tables?.lookup(inode) else { return nil }
        if let (t, s) = found.inet {
            let proto = t.label
            let local = endpoint(s.local, s.localPort), remote = endpoint(s.remote, s.remotePort)
            let state = proto.hasPrefix("tcp") && Int(s.state) < InetSocket.tcpStateNames.count ? "\(InetSocket.tcpStateNames[Int(s.state)])" : ""
            return Description(text: "\(proto) \(local) -> \(remote)" + (state.isEmpty ? "" : " \(state)"),
                               json: [("proto", .string(proto)), ("local", .string(local)), ("remote", .string(remote)),
                                      ("state", state.isEmpty ? .null : .string(state))])
        }
        if let u = found.unix {
            let path = u.path.isEmpty ? "" : String(decoding: u.path, as: UTF8.self)
            let type = u.type == 1 ? "stream" : u.type == 2 ? "dgram" : u.type == 5 ? "seqpacket" : "type \(u.type)"
            return Description(text: "unix \(type)" + (path.isEmpty ? "" : " \(path)") + (u.isListening ? " LISTENING" : ""),
                               json: [("proto", .string("unix")), ("path", .text(path.isEmpty ? nil : path)), ("type", .string(type))])
        }
        return nil
    }

    func endpoint(_ a: InetAddress, _ port: UInt16) -> String {
        a.isV6 ? "[\(a.text)]:\(port)" : "\(a.text):\(port)"
    }
}

/// Environment names whose values are masked: a `_`-separated word (or the
/// end of the name) that says secret.
func looksSecret(_ name: String) -> Bool {
    let upper = name.uppercased()
    let markers = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "AUTH", "COOKIE", "SESSION"]
    let u = Array(upper.utf8)
    // Substring search by hand: String.contains(String) would link _StringProcessing.
    func has(_ m: String) -> Bool {
        let n = Array(m.utf8)
        guard n.count <= u.count else { return false }
        for i in 0...(u.count - n.count) where u[i] == n[0] && Array(u[i..<(i + n.count)]) == n { return true }
        return false
    }
    if markers.contains(where: has) { return true }
    let words = upper.split(separator: "_")
    return words.contains { $0 == "KEY" || $0 == "PASS" || $0 == "PWD" && upper != "PWD" && upper != "OLDPWD" || $0 == "DSN" }
        || upper.hasSuffix("KEY") && upper != "KEY"
}

func pad(_ s: String, _ width: Int) -> String {
    let n = s.utf8.count
    return n >= width ? s + " " : s + String(repeating: " ", count: width - n)
}

/// `63.2 MiB` (binary units), `-` for nil.
func size(_ bytes: UInt64?) -> String {
    guard let b = bytes else { return "-" }
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(b), i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(b) B" : "\(oneDecimal(v)) \(units[i])"
}

func oneDecimal(_ v: Double) -> String {
    let t = (v * 10).rounded()
    return "\(Int64(t / 10)).\(Int64(abs(t).truncatingRemainder(dividingBy: 10)))"
}
func percent(_ v: Double) -> String { oneDecimal(v) + "%" }
func cores(_ v: Double) -> String { let t = (v * 100).rounded(); return "\(Int64(t / 100)).\(String(Int64(t.truncatingRemainder(dividingBy: 100))).leftPadded(2))" }
func seconds(_ v: Double) -> String { oneDecimal(v) + " s" }

func duration(_ s: Double) -> String {
    let t = Int(s)
    if t >= 86400 { return "\(t / 86400)d\((t % 86400) / 3600)h" }
    if t >= 3600 { return "\(t / 3600)h\((t % 3600) / 60)m" }
    if t >= 60 { return "\(t / 60)m\(t % 60)s" }
    return "\(t)s"
}

/// `2026-11-30 05:42:09 UTC`.
func utcTime(_ epoch: Int) -> String {
    var t = time_t(epoch)
    var tm = tm()
    gmtime_r(&t, &tm)
    func two(_ v: Int32) -> String { String(v).leftPadded(2) }
    return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday)) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) UTC"
}

extension String {
    func leftPadded(_ n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
    var trimmingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
