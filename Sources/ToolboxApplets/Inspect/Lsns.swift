import ToolboxCore

let lsnsApplet = Applet(spec: AppletSpec(
    name: "lsns",
    summary: "List namespaces (util-linux lsns)",
    usage: ["[-J] [-n] [-t TYPE] [-p PID]"],
    details: """
    One row per namespace: its inode, type, the number of processes in it,
    the lowest PID among them, that process's user and command line. The
    namespaces of processes whose /proc/PID/ns cannot be read (another uid
    without cap_sys_ptrace) are not counted, as in util-linux.
    TYPE: mnt, net, ipc, user, pid, uts, cgroup, time. Not supported: the
    NETNSID and NSFS columns util-linux adds for -t net, -o, --tree.
    """,
    options: [
        .flag("J", "json", "JSON output (util-linux's layout)"),
        .flag("n", "noheadings", "do not print the header line"),
        .value("t", "type", "TYPE", "only namespaces of this type"),
        .value("p", "task", "PID", "only the namespaces of this process"),
    ]), run: runLsns)

let lsnsTypes = ["mnt", "net", "pid", "uts", "ipc", "user", "cgroup", "time"]

@Sendable
func runLsns(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try lsnsApplet.spec.parse(args)
    try ctx.procfs.requireMounted()
    if let op = opts.operands.first { throw lsnsApplet.spec.usageError("unexpected argument '\(op)'") }
    var types = lsnsTypes
    if let t = opts.value("type") {
        guard lsnsTypes.contains(t) else { throw ToolError.usage("unknown namespace type: \(t)") }
        types = [t]
    }
    var onlyPid: Int32? = nil
    if let p = opts.value("task") {
        guard let v = Int32(p), v > 0 else { throw ToolError.usage("invalid PID argument: '\(p)'") }
        onlyPid = v
    }
    struct NS { var inode: UInt64; var type: String; var count = 0; var pid: Int32 }
    var spaces: [UInt64: NS] = [:]
    let procfs = ctx.procfs
    for pid in (try? procfs.pids()) ?? [] {
        for t in types {
            guard let text = try? readLink(procfs.path(pid, "ns/" + t)),
                  let open = text.lastIndex(of: "["), let ino = UInt64(text[text.index(after: open)...].dropLast()) else { continue }
            if var n = spaces[ino] { n.count += 1; if pid < n.pid { n.pid = pid }; spaces[ino] = n }
            else { spaces[ino] = NS(inode: ino, type: t, count: 1, pid: pid) }
        }
    }
    var wanted: Set<UInt64>? = nil
    if let p = onlyPid {
        var w = Set<UInt64>()
        for t in types {
            guard let text = try? readLink(procfs.path(p, "ns/" + t)), let open = text.lastIndex(of: "["),
                  let ino = UInt64(text[text.index(after: open)...].dropLast()) else { continue }
            w.insert(ino)
        }
        if w.isEmpty { throw ToolError.failure("cannot read namespaces of process \(p)") }
        wanted = w
    }
    let users = HostNames(ctx).users
    var rows: [[String]] = []
    for ns in spaces.values.sorted(by: { $0.inode < $1.inode }) where wanted?.contains(ns.inode) ?? true {
        var uid: UInt32 = 0
        if let st = try? fileStatus(procfs.path(ns.pid, "")) { uid = st.st_uid }
        rows.append([String(ns.inode), ns.type, String(ns.count), String(ns.pid), users.name(uid) ?? String(uid),
                     lsnsCommand(procfs, ns.pid)])
    }
    let header = ["NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"]
    if opts.has("json") {
        let o = ctx.out
        o.line("{"); o.line("   \"namespaces\": [")
        for (i, r) in rows.enumerated() {
            o.write(i == 0 ? "      {\n" : "},{\n")
            o.write("         \"ns\": \(r[0]),\n         \"type\": ")
            JSON.writeString(r[1], o)
            o.write(",\n         \"nprocs\": \(r[2]),\n         \"pid\": \(r[3]),\n         \"user\": ")
            JSON.writeString(r[4], o); o.write(",\n         \"command\": "); JSON.writeString(r[5], o)
            o.write("\n      ")
        }
        if !rows.isEmpty { o.line("}") }
        o.line("   ]"); o.line("}")
        return ExitCode.success
    }
    // libsmartcols' widths: the header counts even with -n; a column whose
    // data is wider than its header is widened to util-linux's width hint.
    let hints = [10, 5, 5, 5, 0]
    var w = header.map { $0.utf8.count }
    for c in 0..<5 {
        let data = rows.reduce(0) { max($0, $1[c].utf8.count) }
        w[c] = data > w[c] ? max(data, hints[c]) : w[c]
    }
    let all = opts.has("noheadings") ? rows : [header] + rows
    let right = [true, false, true, true, false]
    for r in all {
        var line = ""
        for c in 0..<5 {
            let padding = String(repeating: " ", count: w[c] - r[c].utf8.count)
            line += (right[c] ? padding + r[c] : r[c] + padding) + " "
        }
        ctx.out.line(line + r[5])
    }
    return ExitCode.success
}

/// util-linux's COMMAND: the command line with NULs as spaces and other
/// unprintable bytes as \xHH; the comm name when the command line is empty.
func lsnsCommand(_ procfs: ProcFS, _ pid: Int32) -> String {
    let buffer = ReadBuffer(capacity: 4096)
    if let b = try? readBoundedFile(procfs.path(pid, "cmdline"), into: buffer, cap: 1 << 20), !b.isEmpty {
        var end = b.count
        while end > 0 && b[end - 1] == 0 { end -= 1 }
        var out: [UInt8] = []
        for c in b[..<end] {
            if c == 0 { out.append(0x20) }
            else if c < 0x20 || c == 0x7F || c == 0x5C {
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x78, hex[Int(c >> 4)], hex[Int(c & 15)]]
            } else { out.append(c) }
        }
        return String(decoding: out, as: UTF8.self)
    }
    return (try? procfs.status(pid))?.name ?? "?"
}
