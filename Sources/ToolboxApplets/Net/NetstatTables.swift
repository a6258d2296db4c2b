import ToolboxCore

// netstat's table modes (net-tools 2.10): -r routes (lib/inet_gr.c
// rprint_fib, lib/inet6_gr.c rprint_fib6), -i interfaces (netstat.c
// iface_info, lib/interface.c ife_print_short), -g multicast groups
// (netstat.c igmp_do_one). Every file is read from the namespace's
// /proc/net (or /proc/PID/net with --pid); names are never looked up (no
// DNS): addresses print as numbers, plus `default` and `[::]` as net-tools
// prints them without -n.

/// Writes `s` left-aligned in `width` columns (printf %-Ns).
func netstatPad(_ out: OutputWriter, _ s: String, _ width: Int) {
    out.write(s)
    out.repeatByte(ASCII.space, width - s.utf8.count)
}

/// Reads `netDir/name` (bounded: these files are small; 16 MiB cap).
func netstatRead<T>(_ netDir: String, _ name: String, _ parse: (Bytes) -> T) throws(ToolError) -> T {
    let buf = ReadBuffer(capacity: 65536)
    defer { withExtendedLifetime(buf) {} }
    do { return parse(try buf.readFile("\(netDir)/\(name)", limit: 16 << 20)) } catch {
        throw ToolError.failure("\(netDir)/\(name): \(error.message)")
    }
}

func netstatAddress(_ a: InetAddress) -> String {
    var t = AddressText(); t.append(a); return t.string
}

/// net-tools' route flag letters, IPv4 (rprint_fib: RTF_REJECT replaces
/// what came before it with `!`) and IPv6 (rprint_fib6).
func netstatRouteFlags(_ f: UInt32, v6: Bool) -> String {
    let letters: [(UInt32, Character)] = v6
        ? [(0x1, "U"), (0x200, "!"), (0x2, "G"), (0x4, "H"), (0x10000, "D"), (0x40000, "A"), (0x0100_0000, "C"),
           (0x20000, "a"), (0x400000, "e"), (0x20, "m"), (0x200000, "n"), (0x0200_0000, "f")]
        : [(0x1, "U"), (0x2, "G"), (0x200, "!"), (0x4, "H"), (0x8, "R"), (0x10, "D"), (0x20, "M"), (0x10000, "d"),
           (0x20000, "a"), (0x40000, "c"), (0x200000, "o"), (0x400000, "e"), (0x0100_0000, "c"), (0x0200_0000, "f"),
           (0x0400_0000, "p"), (0x8000_0000, "l"), (0x40, "u"), (0x80, "w"), (0x100, "i"), (0x400, "n")]
    var s = ""
    for (bit, c) in letters where f & bit != 0 {
        if !v6 && c == "!" { s = "" }
        s.append(c)
    }
    return s
}

func netstatRoutes(_ ctx: Context, _ opts: NetstatOptions, netDir: String) throws(ToolError) {
    let out = ctx.out
    if opts.routeV4 {
        var bad = 0
        let routes = try netstatRead(netDir, "route") { Route.parseIPv4($0, malformed: &bad) }
        out.line("Kernel IP routing table")
        switch opts.extendLevel {
        case 1: out.line("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface")
        case 2: out.line("Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface")
        default: out.line("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt")
        }
        for r in routes where r.flags & Route.up != 0 {
            let dest = !opts.numericHosts && r.destination.isUnspecified ? "default" : netstatAddress(r.destination)
            netstatPad(out, String(dest.prefix(15)), 15); out.byte(ASCII.space)
            let reject = r.flags & Route.reject != 0
            if reject { out.write("-               ") } else { netstatPad(out, netstatAddress(r.gateway), 15); out.byte(ASCII.space) }
            netstatPad(out, netstatAddress(r.mask), 15); out.byte(ASCII.space)
            netstatPad(out, netstatRouteFlags(r.flags, v6: false), 5); out.byte(ASCII.space)
            switch (opts.extendLevel, reject) {
            case (1, true):
                out.decimal(r.metric, width: 6, leftAlign: true); out.write(" -  "); out.decimal(r.use, width: 7); out.write(" -\n")
            case (1, false):
                out.decimal(r.metric, width: 6, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.refCount, width: 2, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.use, width: 7); out.byte(ASCII.space); out.line(r.device)
            case (2, true): out.write("    - -          - -\n")
            case (2, false):
                out.decimal(r.mtu, width: 5); out.byte(ASCII.space)
                out.decimal(r.window, width: 5, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.irtt, width: 6); out.byte(ASCII.space); out.line(r.device)
            case (_, true):
                out.decimal(r.metric, width: 6, leftAlign: true); out.write(" -  "); out.decimal(r.use, width: 7)
                out.write(" -        -     -      -\n")
            case (_, false):
                out.decimal(r.metric, width: 6, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.refCount, width: 3, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.use, width: 6); out.byte(ASCII.space)
                netstatPad(out, String(r.device.utf8.prefix(6)) ?? r.device, 6); out.write("   ")
                out.decimal(r.mtu, width: 5, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.window, width: 6, leftAlign: true); out.byte(ASCII.space)
                out.decimal(r.irtt); out.byte(ASCII.newline)
            }
        }
    }
    if opts.routeV6 {
        var bad = 0
        let routes = try netstatRead(netDir, "ipv6_route") { Route.parseIPv6($0, malformed: &bad) }
        out.line("Kernel IPv6 routing table")
        out.line("Destination                    Next Hop                   Flag Met Ref  Use If")
        for r in routes where r.flags & Route.cache == 0 {
            netstatPad(out, "\(netstatAddress6(r.destination, opts))/\(r.prefixLength)", 30); out.byte(ASCII.space)
            netstatPad(out, netstatAddress6(r.gateway, opts), 26); out.byte(ASCII.space)
            netstatPad(out, netstatRouteFlags(r.flags, v6: true), 4); out.byte(ASCII.space)
            out.decimal(r.metric, width: 3, leftAlign: true); out.byte(ASCII.space)
            out.decimal(r.refCount, width: 1, leftAlign: true); out.byte(ASCII.space)
            out.decimal(r.use, width: 6); out.byte(ASCII.space)
            out.line(r.device)
        }
    }
}

/// net-tools prints the unspecified IPv6 address `[::]` without -n.
func netstatAddress6(_ a: InetAddress, _ opts: NetstatOptions) -> String {
    !opts.numericHosts && a.isUnspecified ? "[::]" : netstatAddress(a)
}

/// net-tools nstrcmp: interface names compare by their text up to a
/// trailing number, then by that number (eth2 before eth10).
func netstatNameOrder(_ a: String, _ b: String) -> Bool {
    func split(_ s: String) -> (Substring, Int) {
        let u = Substring(s)
        let stem = u.prefix(u.count - u.reversed().prefix(while: { $0.isASCII && $0.isNumber }).count)
        return (stem, Int(u[stem.endIndex...].prefix(9)) ?? 0)
    }
    let (sa, na) = split(a), (sb, nb) = split(b)
    if sa != sb { return sa < sb }
    return na != nb ? na < nb : a < b
}

final class NetstatInterfaceTable {
    var printedTitle = false
    func print(_ ctx: Context, _ opts: NetstatOptions, netDir: String) throws(ToolError) {
        let out = ctx.out
        var bad = 0
        let devices = try netstatRead(netDir, "dev") { NetDevice.parse($0, malformed: &bad) }
        let flags: InterfaceFlags
        do throws(Errno) {
            let ns: NetNamespace
            if let p = opts.pid { ns = try NetNamespace(pid: p, procRoot: ctx.procfs.root) } else { ns = NetNamespace() }
            flags = try InterfaceFlags(namespace: ns)
        } catch {
            throw ToolError.failure("socket: \(error.message)")
        }
        if !printedTitle { out.line("Kernel Interface table"); printedTitle = true }
        out.line("Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg")
        for d in devices.sorted(by: { netstatNameOrder($0.name, $1.name) }) {
            guard let (f, mtu) = flags.query(d.name) else { continue }
            if !opts.all && f & 0x1 == 0 { continue }
            netstatPad(out, String(d.name.utf8.prefix(15)) ?? d.name, 15); out.byte(ASCII.space)
            out.decimal(mtu, width: 5); out.byte(ASCII.space)
            out.decimal(d.rxPackets, width: 8); out.byte(ASCII.space)
            out.decimal(d.rxErrors, width: 6); out.byte(ASCII.space)
            out.decimal(d.rxDropped, width: 6); out.byte(ASCII.space)
            out.decimal(d.rxFifo, width: 6, leftAlign: true); out.byte(ASCII.space)
            out.decimal(d.txPackets, width: 8); out.byte(ASCII.space)
            out.decimal(d.txErrors, width: 6); out.byte(ASCII.space)
            out.decimal(d.txDropped, width: 6); out.byte(ASCII.space)
            out.decimal(d.txFifo, width: 6); out.byte(ASCII.space)
            if f == 0 { out.write("[NO FLAGS]") }
            // ife_print_short's order: A B D L M d P N O P s m R U.
            for (bit, c) in [(0x200, "A"), (0x2, "B"), (0x4, "D"), (0x8, "L"), (0x1000, "M"), (0x8000, "d"), (0x100, "P"),
                             (0x20, "N"), (0x80, "O"), (0x10, "P"), (0x800, "s"), (0x400, "m"), (0x40, "R"), (0x1, "U")] as [(Int32, StaticString)]
                where f & bit != 0 { out.write(c) }
            out.byte(ASCII.newline)
        }
    }
}

func netstatGroups(_ ctx: Context, _ opts: NetstatOptions, netDir: String) throws(ToolError) {
    let out = ctx.out
    out.line("IPv6/IPv4 Group Memberships")
    out.line("Interface       RefCnt Group")
    out.line("--------------- ------ ---------------------")
    var bad = 0
    var groups: [MulticastGroup] = []
    if opts.v4 { groups += try netstatRead(netDir, "igmp") { MulticastGroup.parseIGMP($0, malformed: &bad) } }
    if opts.v6 { groups += try netstatRead(netDir, "igmp6") { MulticastGroup.parseIGMP6($0, malformed: &bad) } }
    for g in groups {
        netstatPad(out, g.device, 15); out.byte(ASCII.space)
        out.decimal(g.users, width: 6, leftAlign: true); out.byte(ASCII.space)
        out.line(netstatAddress(g.group))
    }
}

/// -c: `body` every second until interrupted (or the output is closed).
func netstatRepeat(_ ctx: Context, _ opts: NetstatOptions, _ body: () throws -> Void) throws {
    while true {
        try body()
        if !opts.continuous || ctx.out.isBroken { return }
        ctx.out.flush()
        if ctx.out.isBroken { return }
        var req = timespec(tv_sec: 1, tv_nsec: 0), rem = timespec()
        while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
    }
}
