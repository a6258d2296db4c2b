import ToolboxCore

let netstatApplet = Applet(spec: AppletSpec(
    name: "netstat",
    summary: "Sockets (TCP, UDP, raw, unix) as net-tools netstat prints them, with owners and exact IPv6, from netlink sock_diag or /proc/net.",
    usage: ["[-tuUwx] [-4|-6] [-l|-a] [-n] [-e] [-p] [-W] [-c] [--pid PID] [--source=auto|netlink|proc] [--json|--jsonl] [-v]",
            "-r [-n] [-e|-ee] [-4|-6] [-c] [--pid PID]", "-i [-a] [-c] [--pid PID]", "-g [-n] [-4|-6] [-c] [--pid PID]"],
    details: """
    With no protocol option, shows TCP, UDP, UDP-Lite, raw and unix sockets. Without -a or -l,
    only connected sockets; -l only listening ones; -a both. Addresses are exact: IPv6 in RFC 5952
    form, IPv4-mapped addresses as ::ffff:a.b.c.d on tcp6/udp6 rows. Without -n, well-known ports
    get their names (a built-in table) and 127.0.0.1/::1 print as localhost; there is never a DNS
    lookup. -p maps socket inodes to PID/program by reading /proc/PID/fd; sockets whose owner
    cannot be read show '-'. --pid PID shows the network namespace of process PID (a debug
    container with hostPID). Sources: netlink sock_diag for TCP and UDP (the state filter runs in
    the kernel), the /proc/PID/net files for the rest and whenever netlink is refused (auto).
    --json prints one JSON array of the sockets (docs/json.md); --jsonl one object per line. -r (routes), -i (interfaces) and -g
    (multicast groups) print net-tools' tables from /proc/net (or /proc/PID/net) without any
    name lookup. -c repeats every second until interrupted. See docs/netstat.md.
    """,
    options: [
        .flag("t", "tcp", "TCP sockets"),
        .flag("u", "udp", "UDP sockets"),
        .flag("U", "udplite", "UDP-Lite sockets"),
        .flag("w", "raw", "raw sockets"),
        .flag("x", "unix", "unix domain sockets"),
        .flag("4", "inet", "IPv4 sockets only"),
        .flag("6", "inet6", "IPv6 sockets only"),
        .flag("l", "listening", "only listening (server) sockets"),
        .flag("a", "all", "listening and connected sockets"),
        .flag("n", "numeric", "numeric addresses, ports and users"),
        .flag(nil, "numeric-hosts", "numeric addresses"),
        .flag(nil, "numeric-ports", "numeric ports"),
        .flag(nil, "numeric-users", "numeric user ids"),
        .flag("e", "extend", "add the User and Inode columns"),
        .flag("p", "programs", "add the PID/Program name column"),
        .flag("o", "timers", "add the Timer column: off, on, keepalive, timewait, probe (seconds/retransmits/probes)"),
        .flag("W", "wide", "never truncate addresses"),
        .value("N", "pid", "PID", "read the network namespace of process PID (/proc/PID/net)"),
        .value(nil, "source", "SOURCE", "auto (default), netlink or proc"),
        .flag(nil, "json", "one JSON array of the sockets (docs/json.md)"),
        .flag(nil, "jsonl", "the --json objects as JSON Lines: one per socket and line"),
        .flag("v", "verbose", "report on stderr the source used and skipped malformed lines"),
        .flag("r", "route", "the kernel routing table (IPv4; -6: IPv6; -e, -ee: other columns)"),
        .flag("i", "interfaces", "the interface table (up interfaces; -a: all)"),
        .flag("g", "groups", "multicast group memberships (igmp, igmp6)"),
        .flag("s", "statistics", "protocol statistics (/proc/net/snmp, netstat; -6: snmp6)"),
        .flag("c", "continuous", "repeat every second until interrupted"),
    ]), run: runNetstat)

/// What to show and how, from the command line.
struct NetstatOptions {
    var tcp = false, udp = false, udplite = false, raw = false, unix = false
    var v4 = true, v6 = true
    var listening = false, all = false
    var numericHosts = false, numericPorts = false, numericUsers = false
    var extend = false, programs = false, timers = false, wide = false, json = false, jsonLines = false, verbose = false
    var pid: Int32?
    var source = "auto"
    enum Mode { case sockets, routes, interfaces, groups, statistics }
    var mode = Mode.sockets
    var continuous = false
    /// net-tools' route layouts: 2 by default, 1 with -e, 3 with -ee.
    var extendLevel = 2
    var routeV4 = true, routeV6 = false
    /// -s -6: /proc/net/snmp6 (net-tools parsesnmp6).
    var statsV6 = false

    init(_ o: ParsedArguments) throws(ToolError) {
        tcp = o.has("tcp"); udp = o.has("udp"); udplite = o.has("udplite"); raw = o.has("raw"); unix = o.has("unix")
        let only4 = o.has("inet"), only6 = o.has("inet6")
        if only4 != only6 { v4 = only4; v6 = only6 }
        if !(tcp || udp || udplite || raw) {
            if only4 || only6 { tcp = true; udp = true; udplite = true; raw = true }
            else if !unix { tcp = true; udp = true; udplite = true; raw = true; unix = true }
        }
        listening = o.has("listening"); all = o.has("all")
        let n = o.has("numeric")
        numericHosts = n || o.has("numeric-hosts"); numericPorts = n || o.has("numeric-ports")
        numericUsers = n || o.has("numeric-users")
        extend = o.has("extend"); programs = o.has("programs"); timers = o.has("timers"); wide = o.has("wide")
        json = o.has("json") || o.has("jsonl"); jsonLines = o.has("jsonl"); verbose = o.has("verbose")
        if let p = o.value("pid") {
            guard let v = Int32(p), v > 0 else { throw .usage("'\(p)' is not a process id") }
            pid = v
        }
        if let s = o.value("source") {
            guard s == "auto" || s == "netlink" || s == "proc" else {
                throw .usage("--source must be auto, netlink or proc, not '\(s)'")
            }
            source = s
        }
        if !o.operands.isEmpty { throw .usage("unexpected operand '\(o.operands[0])'") }
        let modes = [o.has("route"), o.has("interfaces"), o.has("groups"), o.has("statistics")].filter { $0 }.count
        if modes > 1 { throw .usage("choose one of -r, -i, -g and -s") }
        mode = o.has("route") ? .routes : o.has("interfaces") ? .interfaces : o.has("groups") ? .groups
            : o.has("statistics") ? .statistics : .sockets
        statsV6 = only6 && !only4
        continuous = o.has("continuous")
        let e = o.count("extend")
        extendLevel = e == 0 ? 2 : e == 1 ? 1 : e + 1
        if only4 || only6 { routeV4 = only4; routeV6 = only6 }
    }

    var inetTables: [InetTable] {
        var t: [InetTable] = []
        for (on, proto) in [(tcp, InetTable.Proto.tcp), (udp, .udp), (udplite, .udplite), (raw, .raw)] where on {
            if v4 { t.append(InetTable(proto, v6: false)) }
            if v6 { t.append(InetTable(proto, v6: true)) }
        }
        return t
    }

    var headerScope: String {
        all ? "(servers and established)" : listening ? "(only servers)" : "(w/o servers)"
    }
}

@Sendable
func runNetstat(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try NetstatOptions(netstatApplet.spec.parse(args))
    let root = ctx.procfs.root
    let netDir: String
    if let pid = opts.pid {
        netDir = "\(root)/\(pid)/net"
        do { _ = try fileStatus(netDir) } catch {
            throw ToolError.failure("\(pid): \(error.isVanished ? "no such process" : "\(netDir): \(error.message)")")
        }
    } else {
        netDir = "\(root)/net"
    }
    // Without procfs, /proc/net and -p's owners are absent: say so once
    // (the netlink source alone needs no /proc).
    if opts.source == "proc" || opts.programs || opts.mode != .sockets, (try? fileStatus(netDir)) == nil {
        try ctx.procfs.requireMounted()
    }
    switch opts.mode {
    case .routes: try netstatRepeat(ctx, opts) { try netstatRoutes(ctx, opts, netDir: netDir) }
    case .interfaces:
        let t = NetstatInterfaceTable()
        try netstatRepeat(ctx, opts) { try t.print(ctx, opts, netDir: netDir) }
    case .groups:
        // net-tools: -4 or -6 turn the inet socket tables on, listed before the groups.
        try netstatRepeat(ctx, opts) {
            if opts.v4 != opts.v6 { _ = try netstatSockets(ctx, opts, netDir: netDir) }
            try netstatGroups(ctx, opts, netDir: netDir)
        }
    case .statistics: try NetstatStatistics(ctx, opts: opts).print(netDir: netDir)
    case .sockets:
        var status = ExitCode.success
        try netstatRepeat(ctx, opts) { status = try netstatSockets(ctx, opts, netDir: netDir) }
        return status
    }
    return ExitCode.success
}

/// One listing of the sockets (the default mode).
func netstatSockets(_ ctx: Context, _ opts: NetstatOptions, netDir: String) throws -> Int32 {
    let root = ctx.procfs.root
    let chain = openSources(ctx, opts, netDir: netDir)

    // -p: the fd scan runs on a second thread while the sockets are read.
    final class OwnersBox: @unchecked Sendable { var value: SocketOwners? }
    let ownersBox = OwnersBox()
    var scan: BackgroundThread?
    if opts.programs {
        let box = ownersBox
        scan = BackgroundThread { box.value = SocketOwners.scan(procRoot: root) }
    }
    defer { scan?.join() }

    let tables = opts.inetTables
    var inetRows: [(InetTable, [InetSocket])] = []
    let tcpStates: UInt32 = opts.all ? SockDiag.allStates
        : opts.listening ? 1 << 10 : SockDiag.allStates & ~(1 << 10)
    for table in tables {
        do { inetRows.append((table, try chain.inet(table, states: table.proto == .tcp ? tcpStates : SockDiag.allStates))) }
        catch {
            throw ToolError.failure("\(opts.source == "netlink" ? "netlink" : "\(netDir)/\(table.fileName)"): \(error.message)")
        }
    }
    var unixRows: [UnixSocket] = []
    if opts.unix {
        do { unixRows = try chain.unix(usePreferred: opts.source == "netlink") }
        catch {
            throw ToolError.failure("\(opts.source == "netlink" ? "netlink" : "\(netDir)/unix"): \(error.message)")
        }
    }

    scan?.join()
    let eff = CapabilitySet(rawValue: (try? ctx.procfs.status(nil))?.capEffective ?? 0)
    if ownersBox.value?.deniedPIDs ?? 0 > 0 && !eff.contains(.sysPtrace) {
        // /proc/PID/fd refused: another uid (or more capabilities than
        // ours) and no cap_sys_ptrace. With cap_setuid and cap_setgid, read
        // them as their owner (ProcAccess). With cap_sys_ptrace a refusal
        // is a process caught mid-exec or exit: not worth a note.
        let canBorrow = eff.contains(.setuid) && eff.contains(.setgid)
        if canBorrow { _ = ownersBox.value?.addBorrowed(procfs: ctx.procfs) }
        let n = ownersBox.value?.deniedPIDs ?? 0
        if n > 0 {
            let why = canBorrow
                ? "another uid or more capabilities than this process, which has no cap_sys_ptrace; reading them as their uid did not help"
                : "another uid, and this process has no cap_sys_ptrace, nor cap_setuid and cap_setgid to read them as their uid"
            ctx.note("cannot read /proc/PID/fd of \(n) process\(n == 1 ? "" : "es") (\(why)): the owners of their sockets show as -")
        }
    }
    let printer = SocketPrinter(ctx: ctx, opts: opts, owners: ownersBox.value)
    if !tables.isEmpty {
        if !opts.json { printer.inetHeader() }
        for (table, rows) in inetRows {
            printer.inet(table, rows)
            if ctx.out.isBroken { return ExitCode.success }
        }
    }
    if opts.unix {
        if !opts.json { printer.unixHeader() }
        printer.unix(unixRows)
    }
    printer.json?.finish()
    if opts.verbose {
        ctx.out.flush()
        for (what, e) in chain.fallbacks {
            if what == "netlink" { ctx.note("netlink not available (\(e.message)); read \(netDir)") }
            else { ctx.note("\(what): netlink failed (\(e.message)); read \(netDir)/\(what)") }
        }
        if !chain.viaPreferred.isEmpty { ctx.note("from netlink sock_diag: \(chain.viaPreferred.joinedText(" "))") }
        if !chain.viaFallback.isEmpty { ctx.note("from \(netDir): \(chain.viaFallback.joinedText(" "))") }
        for (file, n) in chain.malformed.sorted(by: { $0.key < $1.key }) {
            ctx.note("\(netDir)/\(file): \(n) malformed line\(n == 1 ? "" : "s") skipped")
        }
    }
    if let stalled = helperStallNote() { ctx.out.flush(); ctx.note(stalled) }
    return ExitCode.success
}

/// The netlink source (unless --source=proc, or a fixture /proc) in front
/// of the /proc/net files. For --pid, the netlink socket is created in the
/// target's network namespace (setns, needs CAP_SYS_ADMIN); without it the
/// auto mode reads /proc/PID/net.
func openSources(_ ctx: Context, _ opts: NetstatOptions, netDir: String) -> SourceChain {
    let proc = ProcNetSource(directory: netDir)
    let live = ctx.procfs.root == "/proc"
    if opts.source == "proc" || (opts.source == "auto" && !live) {
        return SourceChain(preferred: nil, fallback: proc, mode: .auto)
    }
    let mode: SourceChain.Mode = opts.source == "netlink" ? .forced : .auto
    do {
        let diag = try SockDiag.open(netns: opts.pid.map { "\(ctx.procfs.root)/\($0)/ns/net" })
        return SourceChain(preferred: NetlinkSource(diag), fallback: proc, mode: mode)
    } catch {
        if mode == .forced {
            // Report and fail every table: no silent fallback when forced.
            return SourceChain(preferred: FailingSource(error: error), fallback: proc, mode: .forced)
        }
        return SourceChain(preferred: nil, fallback: proc, mode: .auto, openError: error)
    }
}

/// A source whose every read fails with `error` (netlink refused under
/// --source=netlink).
struct FailingSource: SocketSource {
    let error: Errno
    func inet(_ table: InetTable, states: UInt32, malformed: inout Int) throws(Errno) -> [InetSocket] { throw error }
    func unix(malformed: inout Int) throws(Errno) -> [UnixSocket] { throw error }
}

/// Formats rows as net-tools netstat does (lib/netstat.c: tcp_do_one,
/// udp_do_one, raw_do_one, unix_do_one, finish_this_one), or as JSON.
final class SocketPrinter {
    let ctx: Context
    let out: OutputWriter
    let opts: NetstatOptions
    let owners: SocketOwners?
    private var ownerText: [[UInt8]] = []
    private var userText: [UInt32: [UInt8]] = [:]
    /// On a terminal, control characters in socket paths, program names and
    /// user names (all chosen by the containers) print as `?`, as ls does.
    private let tty: Bool
    /// --json, --jsonl (NetstatJSON.swift).
    let json: JSONTable?
    /// User names: with --pid, the target container's /etc/passwd (read
    /// confined to /proc/PID/root, with a borrowed uid when needed; numbers
    /// when its root cannot be opened), else the debugger's.
    lazy var users: IDNames = {
        if let pid = opts.pid { return containerIDNames(procfs: ctx.procfs, pid: pid).users }
        return IDNames.load(ctx.hostRoot + "/etc/passwd") ?? IDNames()
    }()

    init(ctx: Context, opts: NetstatOptions, owners: SocketOwners?) {
        self.ctx = ctx; self.out = ctx.out; self.opts = opts; self.owners = owners
        tty = !opts.json && ctx.out.isTerminal
        json = opts.json ? JSONTable(ctx.out, lines: opts.jsonLines) : nil
        if let owners {
            ownerText = owners.owners.map { o in
                let t = Array("\(o.pid)/\(o.name)".utf8)
                return tty ? terminalSafe(t) : t
            }
        }
    }

    func inetHeader() {
        out.line("Active Internet connections \(opts.headerScope)")
        out.write("Proto Recv-Q Send-Q Local Address           Foreign Address         State      ")
        if opts.extend { out.write(" User       Inode     ") }
        if opts.programs { out.write(" PID/Program name    ") }
        if opts.timers { out.write(" Timer") }
        out.byte(ASCII.newline)
    }

    func unixHeader() {
        out.line("Active UNIX domain sockets \(opts.headerScope)")
        out.write("Proto RefCnt Flags       Type       State         I-Node  ")
        if opts.programs { out.write(" PID/Program name    ") }
        out.write(" Path\n")
    }

    /// net-tools' selection: TCP by remote port (0 = listening), UDP and
    /// raw by remote address (unspecified = listening).
    @inline(__always) func shown(_ table: InetTable, _ s: InetSocket) -> Bool {
        if opts.all { return true }
        let server = table.proto == .tcp ? s.remotePort == 0 : s.remote.isUnspecified
        return server == opts.listening
    }

    func inet(_ table: InetTable, _ rows: [InetSocket]) {
        let label = Array(table.label.utf8)
        for s in rows where shown(table, s) {
            if opts.json { jsonInet(table, s); continue }
            out.write(label)
            out.repeatByte(ASCII.space, 6 - label.count)
            out.decimal(s.rxQueue, width: 6)
            out.byte(ASCII.space)
            out.decimal(s.txQueue, width: 6)
            out.byte(ASCII.space)
            let raw = table.proto == .raw
            endpoint(s.local, s.localPort, raw: raw)
            endpoint(s.remote, s.remotePort, raw: raw)
            switch table.proto {
            case .tcp:
                let st = Int(s.state)
                let name: StaticString = st < InetSocket.tcpStateNames.count ? InetSocket.tcpStateNames[st] : "UNKNOWN"
                padded(name, 11)
            case .udp, .udplite:
                padded(s.state == 1 ? "ESTABLISHED" : s.state == 7 ? "" : "UNKNOWN", 11)
            case .raw:
                out.decimal(s.state, width: 11, leftAlign: true)
            }
            finish(uid: s.uid, inode: s.inode, timer: s)
            if out.isBroken { return }
        }
    }

    @inline(__always) func padded(_ s: StaticString, _ width: Int) {
        out.write(s)
        out.repeatByte(ASCII.space, width - s.utf8CodeUnitCount)
    }

    /// `addr:port` padded to 23 columns (wider with -W), truncated as
    /// net-tools' addr_do_one does without -W: when address and port are
    /// longer than 22, the port keeps at most 18 characters and the
    /// address is cut to fill 22.
    func endpoint(_ a: InetAddress, _ port: UInt16, raw: Bool) {
        var host = AddressText()
        if !opts.numericHosts && a.isUnspecified && a.isV6 { host.append("[::]") }
        else if !opts.numericHosts && a.isLoopbackHost { host.append("localhost") }
        else { host.append(a) }
        var p = AddressText()
        if port == 0 { p.append(byte: 0x2a) }
        else if !opts.numericPorts, let name = PortNames.name(port, raw: raw) { p.append(name) }
        else { p.append(decimal: UInt32(port)) }
        var hostLen = host.count, portLen = p.count
        if !opts.wide && hostLen + portLen > 22 {
            portLen = min(portLen, 18)
            hostLen = min(hostLen, 22 - portLen)
        }
        host.truncate(to: hostLen); p.truncate(to: portLen)
        host.withBytes { out.write($0) }
        out.byte(ASCII.colon)
        p.withBytes { out.write($0) }
        out.repeatByte(ASCII.space, 23 - (hostLen + 1 + portLen))
        out.byte(ASCII.space)
    }

    func finish(uid: UInt32, inode: UInt64, timer s: InetSocket) {
        if opts.extend {
            out.byte(ASCII.space)
            if opts.numericUsers { out.decimal(uid, width: 10, leftAlign: true) }
            else {
                let t = userName(uid)
                out.write(t); out.repeatByte(ASCII.space, 10 - t.count)
            }
            out.byte(ASCII.space)
            out.decimal(inode, width: 10, leftAlign: true)
        }
        if opts.programs { ownerColumn(inode) }
        if opts.timers {
            // net-tools: "%s (%2.2f/%ld/%d)", the time in 1/100 s.
            let names: [StaticString] = [" off (", " on (", " keepalive (", " timewait (", " probe ("]
            if s.timer < 5 { out.write(names[Int(s.timer)]) } else { out.write(" unkn-\(s.timer) (") }
            let t = s.timer == 0 ? 0 : s.timerExpires
            out.write("\(t / 100).\(t % 100 < 10 ? "0" : "")\(t % 100)/\(s.retransmits)/\(s.probes))")
        }
        out.byte(ASCII.newline)
    }

    func userName(_ uid: UInt32) -> [UInt8] {
        if let t = userText[uid] { return t }
        var t = Array(users.display(uid).utf8)
        if tty { t = terminalSafe(t) }
        userText[uid] = t
        return t
    }

    func ownerColumn(_ inode: UInt64) {
        out.byte(ASCII.space)
        if let o = owners?.ownerIndex(of: inode) {
            let t = ownerText[o]
            out.write(t)
            out.repeatByte(ASCII.space, 20 - t.count)
        } else {
            out.byte(0x2d)
            out.repeatByte(ASCII.space, 19)
        }
    }

    func unix(_ rows: [UnixSocket]) {
        for s in rows {
            if !opts.all && s.isListening != opts.listening { continue }
            if opts.json { jsonUnix(s); continue }
            out.write("unix  ")
            if let r = s.refCount { out.decimal(r, width: 6, leftAlign: true) } else { padded("-", 6) }
            out.byte(ASCII.space)
            var flags = AddressText()
            flags.append("[ ")
            if s.flags & UnixSocket.acceptCon != 0 { flags.append("ACC ") }
            if s.flags & (1 << 17) != 0 { flags.append("W ") }
            if s.flags & (1 << 18) != 0 { flags.append("N ") }
            flags.append("]")
            flags.withBytes { out.write($0) }
            out.repeatByte(ASCII.space, 12 - flags.count)
            padded(unixType(s.type), 11)
            padded(unixState(s), 14)
            out.decimal(s.inode, width: 8, leftAlign: true)
            if opts.programs { ownerColumn(s.inode) }
            out.byte(ASCII.space)
            s.path.withUnsafeBufferPointer { writeName(out, $0, sanitize: tty) }
            out.byte(ASCII.newline)
            if out.isBroken { return }
        }
    }

    func unixType(_ t: UInt16) -> StaticString {
        switch t {
        case 1: return "STREAM"
        case 2: return "DGRAM"
        case 3: return "RAW"
        case 4: return "RDM"
        case 5: return "SEQPACKET"
        default: return "UNKNOWN"
        }
    }

    func unixState(_ s: UnixSocket) -> StaticString {
        switch s.state {
        case 0: return "FREE"
        case 1: return s.flags & UnixSocket.acceptCon != 0 ? "LISTENING" : ""
        case 2: return "CONNECTING"
        case 3: return "CONNECTED"
        case 4: return "DISCONNECTING"
        default: return "UNKNOWN"
        }
    }
}
