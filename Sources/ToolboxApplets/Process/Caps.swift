import ToolboxCore

let capsApplet = Applet(spec: AppletSpec(
    name: "caps",
    summary: "Decode capability masks; show a process's capabilities and what they allow (capsh --decode, getpcaps)",
    usage: ["[--json]", "[--json] --decode MASK", "[--json] PID..."],
    details: """
    With no operand, shows this process: uid/gid, the five capability sets decoded,
    NoNewPrivs and Seccomp, then what the effective set allows when debugging
    another container's process. With PIDs, shows those processes' sets.
    MASK is hex as in /proc/PID/status (805fb, 0x805fb); the output matches
    `capsh --decode`, except that bits without a name print as cap_N.
    """,
    options: [
        .value("d", "decode", "MASK", "print the capabilities in a hex mask, like capsh --decode"),
        .flag(nil, "json", "one JSON array: per process its ids and five sets (names and hex), or per MASK (docs/json.md)"),
    ]), run: runCaps)

@Sendable
func runCaps(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try capsApplet.spec.parse(args)
    if opts.has("json") { return try runCapsJSON(ctx, opts) }
    let decodes = opts.values("decode")
    if !decodes.isEmpty {
        if !opts.operands.isEmpty { throw ToolError.usage("--decode takes no PID operands") }
        // Validate every mask before printing any (a usage error prints nothing).
        var sets: [CapabilitySet] = []
        for d in decodes { sets.append(try CapabilitySet(parsingHex: d)) }
        for s in sets { s.writeDecoded(to: ctx.out); ctx.out.byte(ASCII.newline) }
        return ExitCode.success
    }
    try ctx.procfs.requireMounted()
    if opts.operands.isEmpty {
        let status: PidStatus
        do { status = try ctx.procfs.status(nil) } catch {
            throw ToolError.failure("\(ctx.procfs.path(nil, "status")): \(describe(error))")
        }
        let names = HostNames(ctx)
        printProcess(ctx, label: "this process (pid \(status.pid.map(String.init) ?? "?"))", status, names.users, names.groups)
        ctx.out.line()
        let uidMap = (try? readWholeFile(ctx.procfs.path(nil, "uid_map"))).map { String(decoding: $0, as: UTF8.self) }
        explain(ctx, status, uidMap: uidMap)
        return ExitCode.success
    }
    var pids: [Int32] = []
    for op in opts.operands {
        guard let v = Int32(op), v > 0 else { throw ToolError.usage("'\(op)' is not a process id") }
        pids.append(v)
    }
    let buffer = ReadBuffer(capacity: 4096)
    var first = true
    for pid in pids {
        let status: PidStatus
        let started = ctx.procfs.startTime(pid, buffer: buffer)
        do { status = try ctx.procfs.status(pid, buffer: buffer) } catch {
            ctx.out.flush()
            if error == .vanished { ctx.warn("\(pid): no such process") }
            else { ctx.warn("\(pid): \(describe(error))") }
            continue
        }
        if !first { ctx.out.line() }
        first = false
        // Names as the process's own container sees them; when its root is
        // unreadable, numbers only (the debugger's /etc/passwd would name
        // the ids wrongly).
        // The root is opened directly, or with the target's borrowed uid
        // when ptrace access is refused (see ProcAccess.swift).
        let names = containerIDNames(procfs: ctx.procfs, pid: pid)
        // The status and the names must be of one process: when the pid was
        // reused between the reads, the process asked about is gone (a tree
        // without stat files, such as a fixture, is not checked).
        if let s = started, ctx.procfs.startTime(pid, buffer: buffer) != s {
            ctx.out.flush()
            ctx.warn("\(pid): no such process")
            continue
        }
        printProcess(ctx, label: "pid \(pid)", status, names.users, names.groups)
    }
    return ExitCode.success
}

/// The debugger's own /etc/passwd and /etc/group (under Context.hostRoot).
struct HostNames {
    let users: IDNames, groups: IDNames
    init(_ ctx: Context) {
        (users, groups) = hostIDNames(hostRoot: ctx.hostRoot)
    }
}

func describe(_ e: ProcError) -> String {
    switch e {
    case .vanished: return "no such process"
    case .permissionDenied: return "permission denied"
    case .malformed(let what): return "cannot parse \(what)"
    case .system(let errno): return errno.message
    }
}

/// `0(root)`, or `1000(app) effective 0(root) saved 0 fs 0` when they differ.
func idLine(_ ids: [UInt32], _ names: IDNames) -> String {
    guard let real = ids.first else { return "-" }
    func one(_ id: UInt32) -> String { names.name(id).map { "\(id)(\($0))" } ?? String(id) }
    if ids.allSatisfy({ $0 == real }) { return one(real) }
    let labels = ["", "effective", "saved", "fs"]
    var parts = [one(real)]
    for (i, id) in ids.enumerated().dropFirst() where i < labels.count { parts.append("\(labels[i]) \(one(id))") }
    return parts.joinedText(" ")
}

func printProcess(_ ctx: Context, label: String, _ s: PidStatus, _ users: IDNames, _ groups: IDNames) {
    let o = ctx.out
    o.line("\(label)\(s.name.map { " (\($0))" } ?? ""):")
    o.line("  uid:        \(idLine(s.uids, users))")
    o.line("  gid:        \(idLine(s.gids, groups))")
    if !s.groups.isEmpty {
        o.line("  groups:     " + s.groups.map { id in groups.name(id).map { "\(id)(\($0))" } ?? String(id) }.joinedText(","))
    }
    let sets: [(String, UInt64?)] = [("CapInh", s.capInheritable), ("CapPrm", s.capPermitted),
                                    ("CapEff", s.capEffective), ("CapBnd", s.capBounding), ("CapAmb", s.capAmbient)]
    for (name, v) in sets {
        o.line("  \(name):     " + (v.map { CapabilitySet(rawValue: $0).decoded } ?? "- (not reported by this kernel)"))
    }
    o.line("  NoNewPrivs: " + (s.noNewPrivs.map { $0 ? "1" : "0" } ?? "-"))
    let modes = ["disabled", "strict", "filter"]
    o.line("  Seccomp:    " + (s.seccomp.map { "\($0)" + ($0 >= 0 && $0 < 3 ? " (\(modes[$0]))" : "") } ?? "-"))
}

/// Plain-words consequences of the effective set for a debugging session.
func explain(_ ctx: Context, _ s: PidStatus, uidMap: String?) {
    let o = ctx.out
    let eff = CapabilitySet(rawValue: s.capEffective ?? 0)
    let uid = s.effectiveUID ?? s.realUID ?? 0
    o.line("What this means when debugging another container's process:")
    func item(_ yes: Bool, _ text: String) { o.line("  [\(yes ? "yes" : "no ")] \(text)") }
    if eff.contains(.sysPtrace) {
        item(true, "/proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are readable (cap_sys_ptrace)")
    } else if eff.contains(.setuid) && eff.contains(.setgid) {
        item(false, "/proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are not readable directly: no cap_sys_ptrace; only processes of uid \(uid) are")
        item(true, "toolbox can still open them by taking the target's uid and gid in a short-lived child (cap_setuid and cap_setgid are effective); this process keeps its own identity")
    } else {
        item(false, "/proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are not readable: no cap_sys_ptrace, and no cap_setuid/cap_setgid to borrow the target's uid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as the target's uid")
    }
    if eff.contains(.dacOverride) || eff.contains(.dacReadSearch) {
        item(true, "files are readable whatever their permissions (\(eff.contains(.dacOverride) ? "cap_dac_override" : "cap_dac_read_search"))")
    } else {
        item(false, "file permissions apply to this process (no cap_dac_override or cap_dac_read_search)")
    }
    item(eff.contains(.netRaw), eff.contains(.netRaw) ? "raw sockets work (cap_net_raw): ping, packet capture" : "raw sockets are refused (no cap_net_raw): no ping or packet capture")
    let canChange = eff.contains(.setuid) && eff.contains(.setgid)
    item(canChange, canChange ? "the identity can be changed (cap_setuid and cap_setgid)"
        : "the identity cannot be changed (\(eff.contains(.setuid) ? "" : "no cap_setuid")\(!eff.contains(.setuid) && !eff.contains(.setgid) ? ", " : "")\(eff.contains(.setgid) ? "" : "no cap_setgid"))")
    if s.noNewPrivs == true {
        o.line("  note: no_new_privs is set: setuid binaries and file capabilities cannot raise privileges")
    }
    if s.seccomp == 2 {
        o.line("  note: a seccomp filter is active: some system calls (ptrace, unshare, netlink) may be refused")
    }
    if let map = uidMap, !isIdentityMap(map) {
        o.line("  note: this process is in a user namespace (uid_map: \(map.split(separator: "\n").joinedText("; "))): its capabilities count only inside it")
    }
}

/// True for the initial user namespace's map `0 0 4294967295`.
func isIdentityMap(_ text: String) -> Bool {
    let f = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
    return f.count == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}
