import ToolboxCore

// caps --json: one array, one object per process (this process without
// operands) with the five sets as names and as /proc/PID/status's hex, or
// with --decode one object per mask (docs/json.md).

func runCapsJSON(_ ctx: Context, _ opts: ParsedArguments) throws -> Int32 {
    let table = JSONTable(ctx.out)
    let decodes = opts.values("decode")
    if !decodes.isEmpty {
        if !opts.operands.isEmpty { throw ToolError.usage("--decode takes no PID operands") }
        var sets: [CapabilitySet] = []
        for d in decodes { sets.append(try CapabilitySet(parsingHex: d)) }
        for s in sets {
            let w = table.beginRow()
            w.key("hex").string(hex16(s.rawValue))
            w.key("names").beginArray()
            for n in s.names { w.string(n) }
            w.endArray()
            table.endRow()
        }
        table.finish()
        return ExitCode.success
    }
    try ctx.procfs.requireMounted()
    var pids: [Int32?] = []
    for op in opts.operands {
        guard let v = Int32(op), v > 0 else { throw ToolError.usage("'\(op)' is not a process id") }
        pids.append(v)
    }
    if pids.isEmpty { pids = [nil] }
    let buffer = ReadBuffer(capacity: 4096)
    for pid in pids {
        let st: PidStatus
        do { st = try ctx.procfs.status(pid, buffer: buffer) } catch {
            guard let pid else { throw ToolError.failure("\(ctx.procfs.path(nil, "status")): \(describe(error))") }
            // As the text: a vanished process is reported, not an error.
            ctx.out.flush()
            ctx.warn("\(pid): \(error == .vanished ? "no such process" : describe(error))")
            continue
        }
        // Names as in the text: the process's own root, or the debugger's
        // files for this process.
        let names: (users: IDNames, groups: IDNames)
        if let pid { names = containerIDNames(procfs: ctx.procfs, pid: pid) } else {
            let h = HostNames(ctx); names = (h.users, h.groups)
        }
        let w = table.beginRow()
        w.key("pid").int(st.pid ?? pid)
        w.key("name").string(st.name)
        w.key("uids").beginArray(); for id in st.uids { w.int(id) }; w.endArray()
        w.key("gids").beginArray(); for id in st.gids { w.int(id) }; w.endArray()
        w.key("groups").beginArray(); for id in st.groups { w.int(id) }; w.endArray()
        w.key("user").string((st.effectiveUID ?? st.realUID).flatMap { names.users.name($0) })
        w.key("group").string((st.gids.count > 1 ? st.gids[1] : st.gids.first).flatMap { names.groups.name($0) })
        let sets: [(StaticString, StaticString, UInt64?)] = [
            ("cap_inheritable", "cap_inheritable_hex", st.capInheritable), ("cap_permitted", "cap_permitted_hex", st.capPermitted),
            ("cap_effective", "cap_effective_hex", st.capEffective), ("cap_bounding", "cap_bounding_hex", st.capBounding),
            ("cap_ambient", "cap_ambient_hex", st.capAmbient)]
        for (k, hk, v) in sets {
            w.key(k)
            if let v {
                w.beginArray(); for n in CapabilitySet(rawValue: v).names { w.string(n) }; w.endArray()
            } else {
                w.null()
            }
            w.key(hk).string(v.map(hex16))
        }
        w.key("no_new_privs").bool(st.noNewPrivs)
        let modes: [StaticString] = ["disabled", "strict", "filter"]
        w.key("seccomp")
        if let m = st.seccomp { if m >= 0 && m < 3 { w.string(modes[m]) } else { w.string(String(m)) } } else { w.null() }
        table.endRow()
    }
    table.finish()
    return ExitCode.success
}
