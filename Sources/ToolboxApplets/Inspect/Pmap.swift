import ToolboxCore

let pmapApplet = Applet(spec: AppletSpec(
    name: "pmap",
    summary: "Report the memory map of processes (procps pmap)",
    usage: ["[-x] PID..."],
    details: """
    Reads /proc/PID/smaps (ptrace access, else the process's borrowed uid
    and gid). -x adds the RSS and Dirty columns, in procps's layout.
    """,
    options: [
        .flag("x", "extended", "show RSS and dirty kB per mapping"),
    ]), run: runPmap)

@Sendable
func runPmap(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try pmapApplet.spec.parse(args)
    try ctx.procfs.requireMounted()
    if opts.operands.isEmpty { throw pmapApplet.spec.usageError("argument missing") }
    let extended = opts.has("extended")
    for op in opts.operands {
        guard let pid = Int32(op), pid > 0 else { throw ToolError.usage("invalid process id: \(op)") }
        let smaps: Smaps
        let cmd: [UInt8]
        do {
            (cmd, _) = try readTargetEntry(procfs: ctx.procfs, pid: pid, "cmdline")
            let (b, _) = try readTargetEntry(procfs: ctx.procfs, pid: pid, "smaps")
            smaps = withBytes(b) { Smaps.parse($0) }
        } catch {
            ctx.exitStatus = ExitCode.failure
            if error.errno.isVanished { continue }
            ctx.warn(error.message); continue
        }
        var args = cmd.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if args.isEmpty, let st = try? ctx.procfs.status(pid) { args = ["[\(st.name ?? "")]"] }
        let o = ctx.out
        o.line("\(pid):   " + args.joinedText(" "))
        if extended { o.line("Address           Kbytes     RSS   Dirty Mode  Mapping") }
        var size: UInt64 = 0, rss: UInt64 = 0, dirty: UInt64 = 0
        for m in smaps.mappings {
            size += m.sizeKB; rss += m.rssKB; dirty += m.dirtyKB
            o.hex(m.start, digits: 16)
            if extended {
                o.byte(ASCII.space); o.decimal(m.sizeKB, width: 7)
                o.byte(ASCII.space); o.decimal(m.rssKB, width: 7)
                o.byte(ASCII.space); o.decimal(m.dirtyKB, width: 7)
            } else {
                o.byte(ASCII.space); o.decimal(m.sizeKB, width: 6); o.write("K")
            }
            o.write(" " + pmapMode(m) + " " + pmapName(m))
            o.byte(ASCII.newline)
        }
        if extended {
            o.line("---------------- ------- ------- ------- ")
            o.write("total kB        "); o.byte(ASCII.space); o.decimal(rss == 0 && size == 0 ? 0 : size, width: 7)
            o.byte(ASCII.space); o.decimal(rss, width: 7); o.byte(ASCII.space); o.decimal(dirty, width: 7); o.byte(ASCII.newline)
        } else {
            o.write(" total "); o.decimal(size, width: 16); o.line("K")
        }
    }
    return ctx.exitStatus
}

/// procps's mode: r, w, x, s (shared), R (MAP_NORESERVE, VmFlags nr).
func pmapMode(_ m: Smaps.Mapping) -> String {
    let p = Array(m.perms.utf8)
    var s = ""
    s += p.count > 0 && p[0] == 0x72 ? "r" : "-"
    s += p.count > 1 && p[1] == 0x77 ? "w" : "-"
    s += p.count > 2 && p[2] == 0x78 ? "x" : "-"
    s += p.count > 3 && p[3] == 0x73 ? "s" : "-"
    s += m.vmFlags.contains("nr") ? "R" : "-"
    return s
}

/// procps's mapping name: the file's base name, `  [ stack ]`, else `  [ anon ]`.
func pmapName(_ m: Smaps.Mapping) -> String {
    if m.path == "[stack]" { return "  [ stack ]" }
    if m.path.isEmpty || m.path.hasPrefix("[") { return "  [ anon ]" }
    if let slash = m.path.lastIndex(of: "/") { return String(m.path[m.path.index(after: slash)...]) }
    return m.path
}
