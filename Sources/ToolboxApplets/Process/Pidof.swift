import ToolboxCore

let pidofApplet = Applet(spec: AppletSpec(
    name: "pidof",
    summary: "Print the PIDs of the named programs (sysvinit pidof, as Debian ships it)",
    usage: ["[-sqx] [-d SEP] [-o OMITPID[,...]] PROGRAM..."],
    details: """
    A process matches PROGRAM when its argv[0] is PROGRAM, or is PROGRAM's base
    name, or has PROGRAM as its base name; or, when argv[0] is empty or contains a
    space, when its name (comm) is PROGRAM's base name. An absolute PROGRAM matches
    the process's executable (/proc/PID/exe) instead. Zombies are skipped. PIDs are
    printed highest first; %PPID in -o names this process's parent.
    """,
    options: [
        .flag("s", nil, "print only one PID per PROGRAM"),
        .flag("q", nil, "print nothing; only the exit status tells"),
        .flag("x", nil, "also match shells running scripts named PROGRAM"),
        .flag("z", nil, "include zombie processes"),
        .value("d", nil, "SEP", "separate PIDs with the first character of SEP (default: space)"),
        .value("o", nil, "OMITPID", "omit these PIDs (comma-separated; %PPID: the parent)"),
    ]), run: runPidof)

@Sendable
func runPidof(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try pidofApplet.spec.parse(args, usageExit: ExitCode.failure)
    try ctx.procfs.requireMounted()
    var omit: Set<Int32> = []
    for list in p.values("o") {
        for t in list.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == ":" }) {
            if t == "%PPID" { omit.insert(getppid()) } else if let v = Int32(t), v > 0 { omit.insert(v) }
        }
    }
    let table = try ProcessTable(procfs: ctx.procfs, needs: [.cmdline])
    table.scan()
    let me = getpid()
    let zombies = p.has("z"), scripts = p.has("x")
    struct Candidate { var index: Int; var argv0: [UInt8]; var argv1: [UInt8]? }
    var candidates: [Candidate] = []
    for (i, e) in table.entries.enumerated().reversed() {
        if e.stat.pid == me || (!zombies && e.stat.state == 0x5A) { continue }
        // argv[0], and argv[1] skipping arguments that start with '-'.
        let args = e.argsCount > 0 ? Array(table.bytes(e.argsOffset, e.argsCount)) : []
        let fields = args.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        let argv1 = fields.dropFirst().first { $0.first != 0x2D && !$0.isEmpty }
        candidates.append(Candidate(index: i, argv0: fields.first ?? [], argv1: argv1))
    }
    let sep = p.value("d")?.utf8.first ?? ASCII.space
    var first = true
    let quiet = p.has("q"), single = p.has("s")
    func base(_ b: [UInt8]) -> [UInt8] { b.lastIndex(of: 0x2F).map { Array(b[($0 + 1)...]) } ?? b }
    for program in p.operands {
        let prog = Array(program.utf8)
        let s = base(prog)
        guard !s.isEmpty else { continue }
        let canonical: String? = prog.first == 0x2F ? realpath(program, nil).map { p in defer { free(p) }; return String(cString: p) } : nil
        var printed = false
        for c in candidates {
            let e = table.entries[c.index]
            var ok = false
            if prog.first == 0x2F {
                // An absolute PROGRAM is compared with the executable (sysvinit: realpath and " (deleted)").
                if let exe = try? readLink(ctx.procfs.path(e.stat.pid, "exe")) {
                    ok = [program, canonical].contains { $0 != nil && (exe == $0! || exe == $0! + " (deleted)") }
                    if !ok && !scripts { continue }
                } else if getuid() == 0 {
                    continue
                }
            }
            if !ok {
                ok = nameMatch(c.argv0, prog, s, base)
                let comm = Array(table.bytes(e.commOffset, e.commCount))
                if scripts, let a1 = c.argv1, comm.elementsEqual(base(a1).prefix(15)) {
                    ok = ok || nameMatch(a1, prog, s, base)
                }
                // setproctitle (a space in argv[0]), no argv[0], or a login shell (-sh): the comm.
                if s.count <= 15 && (c.argv0.isEmpty || c.argv0.contains(ASCII.space)) { ok = ok || comm == s }
                if s.count <= 15 && c.argv1 == nil && c.argv0.first == 0x2D { ok = ok || comm == s }
            }
            guard ok, !omit.contains(e.stat.pid) else { continue }
            if single && printed { continue }
            printed = true
            if !quiet {
                if !first { ctx.out.byte(sep) }
                ctx.out.decimal(e.stat.pid)
            }
            first = false
        }
    }
    if !first && !quiet { ctx.out.byte(ASCII.newline) }
    return first ? ExitCode.failure : ExitCode.success
}

/// sysvinit's rule: argv0 = PROGRAM, argv0 = base(PROGRAM), or base(argv0) = PROGRAM.
private func nameMatch(_ argv0: [UInt8], _ prog: [UInt8], _ s: [UInt8], _ base: ([UInt8]) -> [UInt8]) -> Bool {
    guard !argv0.isEmpty else { return false }
    return argv0 == prog || (s.count != prog.count && argv0 == s) || base(argv0) == prog
}
