import ToolboxCore

let ipApplet = Applet(spec: AppletSpec(
    name: "ip",
    summary: "Show addresses, links, routes, neighbours and rules as iproute2's ip, from the target's network namespace",
    usage: ["[OPTIONS] OBJECT [COMMAND [ARGS]]"],
    details: """
    Read-only: the objects and commands below, in iproute2's layout (text,
    -j JSON with iproute2's keys, -o one line per record):
      ip address [show [dev IFNAME]]   ip link [show [dev IFNAME]]
      ip route [show]                  ip route get ADDRESS
      ip neigh [show [dev IFNAME]]     ip rule [show]
    Objects and commands may be abbreviated as iproute2 allows (ip a, ip r).
    Commands that change the network (add, del, set, flush...) are refused
    (exit 2). Options (iproute2's, also with two dashes):
      -4, -6, -0, -f FAMILY   inet, inet6 or link only
      -s                      statistics (link counters; neighbour use;
                              -s -s adds the RX/TX error counters)
      -d                      details: promiscuity, MTU limits, link kind,
                              queues, GSO/TSO/GRO limits
      -br                     brief: one line per interface
      -j                      JSON (-p accepted: output is compact)
      -o                      one line per record ('\\' for line breaks)
      -N                      numeric protocol, scope and table
      -n NETNS                the network namespace /run/netns/NETNS (or a path)
      --pid PID               the network namespace of process PID (setns,
                              needs CAP_SYS_ADMIN), as the other net applets
    Exit status: 0, 1 when the kernel refuses (message as iproute2's),
    2 for a usage error.
    """,
    options: [
        .value(nil, "pid", "PID", "show the network namespace of process PID"),
    ]), run: runIp)

/// iproute2's json_print: every value is printed through one call that
/// writes the text form, or adds the key to the current JSON object.
final class IpPrinter {
    let out: OutputWriter
    let json: Bool
    let lineBreak: String
    private struct Frame { var key: String?; var isArray: Bool; var members: [(String, JSON)] = []; var items: [JSON] = [] }
    private var stack: [Frame] = []

    init(_ out: OutputWriter, json: Bool, oneline: Bool) {
        self.out = out; self.json = json; lineBreak = oneline ? "\\" : "\n"
        if json { stack = [Frame(key: nil, isArray: true)] }
    }
    /// PRINT_FP: text only.
    func text(_ s: String) { if !json { out.write(s) } }
    /// PRINT_JSON: JSON only.
    func put(_ key: String?, _ v: JSON) {
        guard json, !stack.isEmpty else { return }
        if stack[stack.count - 1].isArray { stack[stack.count - 1].items.append(v) }
        else { stack[stack.count - 1].members.append((key ?? "", v)) }
    }
    /// PRINT_ANY: the text, or the key and value.
    func any(_ key: String?, _ v: JSON, _ s: String) { if json { put(key, v) } else { out.write(s) } }
    func str(_ key: String?, _ v: String, _ s: String) { any(key, .string(v), s) }
    func num<T: BinaryInteger>(_ key: String?, _ v: T, _ s: String) { any(key, .int(Int64(truncatingIfNeeded: v)), s) }
    /// print_nl: a line break, `\` with -o.
    func nl() { text(lineBreak) }
    func open(_ key: String?, array: Bool = false) { if json { stack.append(Frame(key: key, isArray: array)) } }
    func close() {
        guard json, stack.count > 1 else { return }
        let f = stack.removeLast()
        put(f.key, f.isArray ? .array(f.items) : .object(f.members))
    }
    /// Writes the document (JSON mode): the top-level array.
    func finish() {
        guard json, let root = stack.first else { return }
        JSON.array(root.items).write(to: out)
        stack = []
    }
}

/// What the command line asked for.
struct IpOptions {
    var family: UInt8 = 0      // 0 any, 2 inet, 10 inet6, 17 link
    var stats = 0
    var brief = false, json = false, oneline = false, numeric = false, details = false
    var netns: String? = nil
    var pid: String? = nil
}

/// iproute2's matches(): `word` is a non-empty prefix of `full`.
func ipMatches(_ word: String, _ full: String) -> Bool { !word.isEmpty && full.hasPrefix(word) }

@Sendable
func runIp(_ ctx: Context, _ args: [String]) throws -> Int32 {
    var o = IpOptions()
    var i = 0
    let usage = "Usage: ip [OPTIONS] {address|link|route|neigh|rule} [show|get ...]"
    func bad(_ message: String) -> ToolError { ipApplet.spec.usageError(message) }
    while i < args.count, args[i].hasPrefix("-"), args[i].count > 1 {
        var opt = args[i]
        if opt == "--" { i += 1; break }
        if opt == "--pid" || opt.hasPrefix("--pid=") {
            if let eq = opt.firstIndex(of: "=") { o.pid = String(opt[opt.index(after: eq)...]) }
            else { guard i + 1 < args.count else { throw bad("option '--pid' requires an argument PID") }; i += 1; o.pid = args[i] }
            i += 1; continue
        }
        if opt.hasPrefix("--") { opt.removeFirst() }
        func value() throws -> String {
            guard i + 1 < args.count else { throw bad("option \"\(opt)\" requires an argument") }
            i += 1; return args[i]
        }
        switch opt {
        case "-4": o.family = 2
        case "-6": o.family = 10
        case "-0": o.family = 17
        case _ where ipMatches(opt, "-family"):
            let f = try value()
            switch f {
            case "inet": o.family = 2
            case "inet6": o.family = 10
            case "link": o.family = 17
            default: throw bad("invalid family \"\(f)\"")
            }
        case _ where ipMatches(opt, "-stats") || ipMatches(opt, "-statistics"): o.stats += 1
        case _ where ipMatches(opt, "-oneline"): o.oneline = true
        case _ where ipMatches(opt, "-details"): o.details = true
        case _ where ipMatches(opt, "-brief") && opt.count > 2: o.brief = true
        case _ where ipMatches(opt, "-json"): o.json = true
        case _ where ipMatches(opt, "-pretty"): break
        case _ where ipMatches(opt, "-netns"): o.netns = try value()
        case _ where ipMatches(opt, "-Numeric"): o.numeric = true
        default: throw bad("Option \"\(args[i])\" is unknown")
        }
        i += 1
    }
    var rest = Array(args[i...])
    guard !rest.isEmpty else { throw bad(usage) }
    let object = rest.removeFirst()
    let objects = ["address", "route", "rule", "neighbor", "neighbour", "link"]
    guard let obj = objects.first(where: { ipMatches(object, $0) }) else {
        throw bad("Object \"\(object)\" is unknown or not supported (read-only: address, link, route, neigh, rule)")
    }
    // The command: show (list, lst) or, for route, get; a verb that changes
    // the network is refused; any other word is a filter (ip link eth0).
    var command = "show"
    if let c = rest.first {
        let changes = ["add", "change", "replace", "prepend", "append", "test", "delete", "flush", "save", "restore", "set", "showdump"]
        if ipMatches(c, "show") || ipMatches(c, "list") || ipMatches(c, "lst") { rest.removeFirst() }
        else if obj == "route" && ipMatches(c, "get") { command = "get"; rest.removeFirst() }
        else if c == "chg" || c == "del" || changes.contains(where: { ipMatches(c, $0) }) {
            throw bad("'\(obj) \(c)': toolbox ip is read-only (it shows the network, it does not change it)")
        }
    }

    let namespace: NetNamespace
    if let n = o.netns {
        let path = n.contains("/") ? n : "/run/netns/\(n)"
        do { namespace = try NetNamespace(path: path) }
        catch { ctx.err.write("Cannot open network namespace \"\(n)\": \(error.message)\n"); return 255 }
    } else {
        namespace = try NetTarget(ctx, pid: o.pid).namespace
    }
    let nl: RouteNetlink
    do { nl = try RouteNetlink(namespace: namespace) }
    catch { throw ToolError.failure("Cannot open netlink socket: \(error.message)") }
    let p = IpPrinter(ctx.out, json: o.json, oneline: o.oneline)
    var ip = IpShow(ctx: ctx, o: o, nl: nl, p: p)
    do {
        switch (obj, command) {
        case ("address", _), ("link", _): return try ip.addresses(rest, link: obj == "link")
        case ("route", "get"): return try ip.routeGet(rest)
        case ("route", _): return try ip.routes(rest)
        case ("rule", _): return try ip.rules(rest)
        default: return try ip.neighbours(rest)
        }
    } catch let e as Errno {
        ctx.err.write("RTNETLINK answers: \(e.message)\n")
        return 2
    }
}

/// One network namespace's state as `ip` prints it.
struct IpShow {
    let ctx: Context
    let o: IpOptions
    /// The socket; nil when rendering messages parsed elsewhere (the fuzz target).
    let socket: RouteNetlink?
    let p: IpPrinter
    var links: [RtLink] = []
    var nl: RouteNetlink { socket! }

    init(ctx: Context, o: IpOptions, nl: RouteNetlink?, p: IpPrinter) {
        self.ctx = ctx; self.o = o; self.socket = nl; self.p = p
    }

    /// The links, dumped for `family` as iproute2 asks (AF_INET6 gets the
    /// IPv6 handler's shorter messages: no qdisc, group or netnsid).
    mutating func loadLinks(family: UInt8 = 0) throws(Errno) {
        // IFLA_EXT_MASK (29) = RTEXT_FILTER_VF, as iproute2 asks.
        links = try nl.dump(RtNetlink.getLink, reply: RtNetlink.newLink, header: [family] + [UInt8](repeating: 0, count: 15),
                            attributes: [(29, [1, 0, 0, 0])]).map(RtLink.init)
    }
    func link(_ index: Int32) -> RtLink? { links.first { $0.index == index } }
    /// The IPv6 link dump carries no IFLA_TXQLEN: iproute2 then asks
    /// SIOCGIFTXQLEN; the full dump (same namespace) gives the same value.
    var fullLinks: [RtLink] = []
    func txqlen(_ index: Int32) -> UInt32? { fullLinks.first { $0.index == index }?.attrs.u32(13) }
    /// ll_index_to_name: the name, or ifN.
    func name(_ index: Int32) -> String { link(index)?.name ?? "if\(UInt32(bitPattern: index))" }
    func index(ofName n: String) -> Int32? { links.first { $0.name == n }?.index }
    func noDevice(_ n: String) -> Int32 { ctx.err.write("Device \"\(n)\" does not exist.\n"); return 1 }

    // MARK: ip address / ip link

    mutating func addresses(_ args: [String], link doLink: Bool) throws -> Int32 {
        var dev: String? = nil
        var a = args[...]
        while let w = a.popFirst() {
            if w == "dev" { guard let d = a.popFirst() else { throw ipApplet.spec.usageError("Command line is not complete") }; dev = d }
            else if w == "up" { throw ipApplet.spec.usageError("filter \"up\" is not supported") }
            else if dev == nil { dev = w }
            else { throw ipApplet.spec.usageError("Either \"dev\" is duplicate, or \"\(w)\" is a garbage.") }
        }
        let family = doLink ? 17 : o.family
        try loadLinks(family: family)
        if family == 10 {
            fullLinks = try nl.dump(RtNetlink.getLink, reply: RtNetlink.newLink, header: [UInt8](repeating: 0, count: 16),
                                    attributes: [(29, [1, 0, 0, 0])]).map(RtLink.init)
        }
        var shown = links
        if let dev {
            guard let idx = index(ofName: dev) else { return noDevice(dev) }
            shown = shown.filter { $0.index == idx }
        }
        var addrs: [RtAddress] = []
        if family != 17 {
            addrs = try nl.dump(RtNetlink.getAddr, reply: RtNetlink.newAddr, header: [family, 0, 0, 0, 0, 0, 0, 0]).map(RtAddress.init)
            if family != 0 {
                addrs = addrs.filter { $0.family == family }
                shown = shown.filter { l in addrs.contains { $0.index == UInt32(bitPattern: l.index) } }
            }
        }
        for l in shown {
            p.open(nil)
            let mine = addrs.filter { $0.index == UInt32(bitPattern: l.index) }
            if o.brief || !o.oneline || family == 17 { linkInfo(l, doLink: doLink, family: family) }
            if family != 17 {
                p.open("addr_info", array: true)
                for a in mine { p.open(nil); addrInfo(a); p.close() }
                p.close()
                if o.brief { p.text("\n") }
                if !doLink && o.stats > 0 && !o.brief && !o.oneline { linkStats(l); p.nl() }
            }
            p.close()
        }
        p.finish()
        return 0
    }

    static let operStates = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"]

    /// print_name_and_link: NAME, NAME@PEER or NAME@ifN; returns the
    /// M-DOWN flag (the lower device is down).
    func nameAndLink(_ l: RtLink, _ fmt: (String) -> String) -> Bool {
        var name = l.name ?? ""
        var mdown = false
        if let iflink = l.attrs.u32(5) {
            if iflink != 0 {
                if l.attrs[37] != nil {
                    if p.json { p.put("link_index", .int(Int64(iflink))) } else { name += "@if\(iflink)" }
                } else {
                    let peer = self.name(Int32(bitPattern: iflink))
                    if p.json { p.put("link", .string(peer)) } else { name += "@" + peer }
                    // ll_index_to_flags: an unknown index has every flag (-1).
                    mdown = link(Int32(bitPattern: iflink)).map { $0.flags & 1 == 0 } ?? false
                }
            } else if p.json { p.put("link", .null) } else { name += "@NONE" }
        }
        p.str("ifname", l.name ?? "", fmt(name))
        return mdown
    }

    func linkFlags(_ flags: UInt32, mdown: Bool) {
        var f = flags
        p.open("flags", array: true)
        p.text("<")
        let names: [(UInt32, String)] = [(0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"),
            (0x80, "NOARP"), (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x400, "MASTER"), (0x800, "SLAVE"), (0x4, "DEBUG"),
            (0x8000, "DYNAMIC"), (0x4000, "AUTOMEDIA"), (0x2000, "PORTSEL"), (0x20, "NOTRAILERS"), (0x1, "UP"),
            (0x10000, "LOWER_UP"), (0x20000, "DORMANT"), (0x40000, "ECHO")]
        if f & 1 != 0 && f & 0x40 == 0 { p.str(nil, "NO-CARRIER", f != 0 ? "NO-CARRIER," : "NO-CARRIER") }
        f &= ~0x40
        for (bit, n) in names where f & bit != 0 {
            f &= ~bit
            p.str(nil, n, f != 0 ? n + "," : n)
        }
        if f != 0 { p.str(nil, String(f, radix: 16), String(f, radix: 16)) }
        if mdown { p.str(nil, "M-DOWN", ",M-DOWN") }
        p.close()
        p.text("> ")
    }

    func operState(_ s: UInt8) {
        if Int(s) >= Self.operStates.count {
            if p.json { p.put("operstate_index", .int(Int64(s))) } else { p.text("state 0x\(String(s, radix: 16)) ") }
        } else if o.brief {
            let t = Self.operStates[Int(s)]
            p.str("operstate", t, t.count < 14 ? t + String(repeating: " ", count: 14 - t.count) + " " : t + " ")
        } else {
            p.str("operstate", Self.operStates[Int(s)], "state \(Self.operStates[Int(s)]) ")
        }
    }

    func linkInfo(_ l: RtLink, doLink: Bool, family: UInt8) {
        let a = l.attrs
        if o.brief {
            let m = nameAndLink(l) { $0.count < 16 ? $0 + String(repeating: " ", count: 16 - $0.count) + " " : $0 + " " }
            if let s = a.u8(16) { operState(s) }
            if family == 17 {
                if let addr = a[1] { let t = llAddr(addr, l.type); p.str("address", t, t + " ") }
                linkFlags(l.flags, mdown: m)
                p.text("\n")
            }
            return
        }
        p.num("ifindex", l.index, "\(l.index): ")
        let m = nameAndLink(l) { $0 + ": " }
        linkFlags(l.flags, mdown: m)
        if let mtu = a.u32(4) { p.num("mtu", mtu, "mtu \(mtu) ") }
        if let q = a.string(6) { p.str("qdisc", q, "qdisc \(q) ") }
        if let master = a.u32(10) { let n = name(Int32(bitPattern: master)); p.str("master", n, "master \(n) ") }
        if let s = a.u8(16) { operState(s) }
        if doLink, let mode = a.u8(17) {
            if mode < 2 { let t = mode == 0 ? "DEFAULT" : "DORMANT"; p.str("linkmode", t, "mode \(t) ") }
            else { p.num("linkmode_index", mode, "mode \(mode) ") }
        }
        if let g = a.u32(27) { let t = groupName(g); p.str("group", t, "group \(t) ") }
        if let q = a.u32(13) ?? txqlen(l.index), q != 0 { p.num("txqlen", q, "qlen \(q)") }
        if family == 0 || family == 17 || o.details {
            p.nl()
            let t = llType(l.type)
            p.str("link_type", t, "    link/\(t) ")
            if let addr = a[1] { p.str("address", llAddr(addr, l.type), llAddr(addr, l.type)) }
            if let brd = a[2] {
                if l.flags & 0x10 != 0 { p.text(" peer "); p.put("link_pointtopoint", .bool(true)) } else { p.text(" brd ") }
                p.str("broadcast", llAddr(brd, l.type), llAddr(brd, l.type))
            }
            if let perm = a[54], a[1].map({ !$0.elementsEqual(perm) }) ?? true {
                p.text(" permaddr "); p.str("permaddr", llAddr(perm, l.type), llAddr(perm, l.type))
            }
        }
        if let id = a.u32(37) {
            let v = Int32(bitPattern: id)
            if p.json { p.put("link_netnsid", .int(Int64(v))) }
            else { p.text(v >= 0 ? " link-netnsid \(v)" : " link-netnsid unknown") }
        }
        if let pd = a.u8(39), pd != 0 { p.any("proto_down", .bool(true), " protodown on ") }
        if o.details { linkDetails(l, doLink: doLink) }
        if doLink, let alias = a.string(20) { p.text(p.lineBreak + "    "); p.str("ifalias", alias, "alias \(alias)") }
        if doLink && o.stats > 0 { p.nl(); linkStats(l) }
        if let props = a.nested(52) {
            p.open("altnames", array: true)
            for alt in props.list where alt.type == 53 {
                let n = String(decoding: alt.value.prefix { $0 != 0 }, as: UTF8.self)
                p.text(p.lineBreak + "    altname "); p.str(nil, n, n)
            }
            p.close()
        }
        p.text("\n")
    }

    /// -d (show_details): the counters and limits after the link address,
    /// the IFLA_LINKINFO kind (and slave kind) on lines of their own, the
    /// IPv6 address generation mode. The per-kind data (bridge timers,
    /// vlan ids...) is not decoded: docs/net.md lists it.
    func linkDetails(_ l: RtLink, doLink: Bool) {
        let a = l.attrs
        if let v = a.u32(30) { p.num("promiscuity", v, " promiscuity \(v) ") }
        if let v = a.u32(61) { p.num("allmulti", v, " allmulti \(v) ") }
        if let v = a.u32(50) { p.num("min_mtu", v, "minmtu \(v) ") }
        if let v = a.u32(51) { p.num("max_mtu", v, "maxmtu \(v) ") }
        if let info = a.nested(18) {
            p.open("linkinfo")
            if let kind = info.string(1) { p.nl(); p.str("info_kind", kind, "    \(kind) ") }
            if let kind = info.string(4) { p.nl(); p.str("info_slave_kind", kind, "    \(kind)_slave ") }
            p.close()
        }
        if doLink, let spec = a.nested(26), let v6 = spec.nested(10), let mode = v6.u8(8) {
            let names = ["eui64", "none", "stable_secret", "random"]
            let t = Int(mode) < names.count ? names[Int(mode)] : "0x" + hex2(mode)
            p.str("inet6_addr_gen_mode", t, "addrgenmode \(t) ")
        }
        for (id, key, label) in [(31, "num_tx_queues", "numtxqueues"), (32, "num_rx_queues", "numrxqueues"), (41, "gso_max_size", "gso_max_size"),
                                 (40, "gso_max_segs", "gso_max_segs"), (59, "tso_max_size", "tso_max_size"), (60, "tso_max_segs", "tso_max_segs"),
                                 (58, "gro_max_size", "gro_max_size")] {
            if let v = a.u32(UInt16(id)) { p.num(key, v, "\(label) \(v) ") }
        }
        if let n = a.string(38) { p.str("phys_port_name", n, "portname \(n) ") }
        if let n = a.string(57) { p.str("parentbus", n, "parentbus \(n) ") }
        if let n = a.string(56) { p.str("parentdev", n, "parentdev \(n) ") }
    }

    /// print_stats64 at -s: the RX and TX lines with iproute2's column widths.
    /// With -s -s also the RX/TX error lines (IFLA_CARRIER_CHANGES as transns).
    func linkStats(_ l: RtLink) {
        guard let (s, is64) = l.stats else { return }
        let two = o.stats > 1
        let cc = l.attrs.u32(35)
        if p.json {
            p.open(is64 ? "stats64" : "stats")
            p.open("rx")
            for (k, v) in [("bytes", 2), ("packets", 0), ("errors", 4), ("dropped", 6), ("over_errors", 11), ("multicast", 8)] { p.put(k, .uint(s[v])) }
            if s[21] != 0 { p.put("compressed", .uint(s[21])) }
            if two {
                for (k, v) in [("length_errors", 10), ("crc_errors", 12), ("frame_errors", 13), ("fifo_errors", 14), ("missed_errors", 15)] { p.put(k, .uint(s[v])) }
                if s[23] != 0 { p.put("nohandler", .uint(s[23])) }
                if s[24] != 0 { p.put("otherhost", .uint(s[24])) }
            }
            p.close()
            p.open("tx")
            for (k, v) in [("bytes", 3), ("packets", 1), ("errors", 5), ("dropped", 7), ("carrier_errors", 17), ("collisions", 9)] { p.put(k, .uint(s[v])) }
            if s[22] != 0 { p.put("compressed", .uint(s[22])) }
            if two {
                for (k, v) in [("aborted_errors", 16), ("fifo_errors", 18), ("window_errors", 20), ("heartbeat_errors", 19)] { p.put(k, .uint(s[v])) }
                if let cc { p.put("carrier_changes", .uint(UInt64(cc))) }
            }
            p.close()
            p.close()
            return
        }
        var cols = [10, 7, 6, 7, 7, 7, 10, 9]
        func size(_ vals: [UInt64]) { for (i, v) in vals.enumerated() { cols[i] = max(cols[i], String(v).count) } }
        let rx = [s[2], s[0], s[4], s[6], s[15], s[8], s[21], 0], tx = [s[3], s[1], s[5], s[7], s[17], s[9], s[22], 0]
        let rxErr = [0, s[10], s[12], s[13], s[14], s[11], s[23], s[24]], txErr = [0, s[16], s[18], s[20], s[19], UInt64(cc ?? 0)]
        size(rx); size(tx)
        if two { size(rxErr); size(txErr) }
        func pad(_ t: String, _ w: Int) -> String { t.count >= w ? t : String(repeating: " ", count: w - t.count) + t }
        /// An error line pair: the labels after "    RX errors:", the values under them.
        func errors(_ head: String, _ labels: [String], _ vals: [UInt64], shown: Int) {
            var line = "    \(head) errors:" + pad("", cols[0] - 10)
            for k in 1...5 { line += " " + pad(labels[k - 1], cols[k]) }
            for k in 6..<labels.count + 1 where vals[k] != 0 { line += pad(" " + labels[k - 1], cols[k] + 1) }
            line += p.lineBreak + String(repeating: " ", count: cols[0] + 5)
            for k in 1..<shown { line += pad(String(vals[k]), cols[k]) + " " }
            for k in shown..<vals.count where vals[k] != 0 { line += pad(String(vals[k]), cols[k]) + " " }
            p.text(p.lineBreak + line)
        }
        func row(_ head: String, _ labels: [String], _ vals: [UInt64], compressed: Bool) {
            var line = "    \(head): " + pad("bytes", cols[0] - 4)
            for k in 1..<6 { line += " " + pad(labels[k - 1], cols[k]) }
            line += " " + pad(compressed ? "compressed" : "", cols[6]) + p.lineBreak + "    "
            for k in 0..<(compressed ? 7 : 6) { line += pad(String(vals[k]), cols[k]) + " " }
            p.text(line)
        }
        row("RX", ["packets", "errors", "dropped", "missed", "mcast"], rx, compressed: s[21] != 0)
        if two { errors("RX", ["length", "crc", "frame", "fifo", "overrun", "nohandler", "otherhost"], rxErr, shown: 6) }
        p.text(p.lineBreak)
        row("TX", ["packets", "errors", "dropped", "carrier", "collsns"], tx, compressed: s[22] != 0)
        if two { errors("TX", ["aborted", "fifo", "window", "heartbt", cc == nil ? "" : "transns"], txErr, shown: cc == nil ? 5 : 6) }
    }

    func addrInfo(_ a: RtAddress) {
        if !o.brief {
            if o.oneline {
                let dev = name(Int32(bitPattern: a.index))
                if p.json { p.put("index", .int(Int64(a.index))); p.put("dev", .string(dev)) } else { p.text("\(a.index): \(dev)") }
            }
            let fam = familyName(a.family)
            if fam != "???" { p.str("family", fam, "    \(fam) ") } else { p.num("family_index", a.family, "    family \(a.family) ") }
        }
        if let local = a.local {
            let t = hostText(a.family, local)
            p.str("local", t, t)
            if let addr = a.address, !addr.elementsEqual(local) {
                p.text(" peer "); let at = hostText(a.family, addr); p.str("address", at, at)
            }
            p.num("prefixlen", a.prefixLength, "/\(a.prefixLength) ")
            if let m = a.attrs.u32(9) { p.num("metric", m, "metric \(m) ") }
        }
        if o.brief { return }
        if let b = a.attrs[4] { p.text("brd "); let t = hostText(a.family, b); p.str("broadcast", t, t + " ") }
        if let b = a.attrs[5] { p.text("any "); let t = hostText(a.family, b); p.str("anycast", t, t + " ") }
        let sc = scopeName(a.scope)
        p.str("scope", sc, "scope \(sc) ")
        var f = a.flags
        let names: [(UInt32, String)] = [(0x01, "secondary"), (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"),
            (0x10, "home"), (0x20, "deprecated"), (0x40, "tentative"), (0x80, "permanent"), (0x100, "mngtmpaddr"),
            (0x200, "noprefixroute"), (0x400, "autojoin"), (0x800, "stable-privacy")]
        for (bit, n) in names {
            if bit == 0x80 {
                if f & bit == 0 { p.any("dynamic", .bool(true), "dynamic ") }
            } else if f & bit != 0 {
                if bit == 1 && a.family == 10 { p.any("temporary", .bool(true), "temporary ") }
                else { p.any(n, .bool(true), "\(n) ") }
            }
            f &= ~bit
        }
        if f != 0 {
            let h = String(f, radix: 16)
            let t = h.count < 2 ? "0" + h : h
            p.any("ifa_flags", .string(t), "flags \(t) ")
        }
        if let label = a.attrs.string(3) { p.str("label", label, label) }
        if let ci = a.attrs[6], ci.count >= 16 {
            let preferred = le32(ci, 0), valid = le32(ci, 4)
            p.nl()
            p.text("       valid_lft ")
            if valid == 0xFFFF_FFFF { p.put("valid_life_time", .int(Int64(valid))); p.text("forever") }
            else { p.num("valid_life_time", valid, "\(valid)sec") }
            p.text(" preferred_lft ")
            if preferred == 0xFFFF_FFFF { p.put("preferred_life_time", .int(Int64(preferred))); p.text("forever") }
            else if a.flags & 0x20 != 0 { p.num("preferred_life_time", Int32(bitPattern: preferred), "\(Int32(bitPattern: preferred))sec") }
            else { p.num("preferred_life_time", preferred, "\(preferred)sec") }
        }
        p.text("\n")
    }

    // MARK: ip route

    mutating func routes(_ args: [String]) throws -> Int32 {
        var table: UInt32? = 254
        var a = args[...]
        while let w = a.popFirst() {
            if w == "table" || w == "tab" {
                guard let t = a.popFirst() else { throw ipApplet.spec.usageError("Command line is not complete") }
                switch t {
                case "all": table = nil
                case "main": table = 254
                case "local": table = 255
                case "default": table = 253
                default:
                    guard let v = UInt32(t) else { throw ipApplet.spec.usageError("table id value is invalid") }
                    table = v
                }
            } else { throw ipApplet.spec.usageError("route selector \"\(w)\" is not supported") }
        }
        // iproute2 shows IPv4 unless asked otherwise, both with "table all".
        let family = o.family == 0 && table != nil ? 2 : o.family == 17 ? 0 : o.family
        try loadLinks()
        let all = try nl.dump(RtNetlink.getRoute, reply: RtNetlink.newRoute, header: [family] + [UInt8](repeating: 0, count: 11)).map(RtRoute.init)
        for r in all where (family == 0 || r.family == family) && r.flags & 0x200 == 0 {
            if let t = table, r.table != t || (r.family == 10 && t == 254 && r.type == 2) { continue }
            route(r, tableFilter: table != nil)
        }
        p.finish()
        return 0
    }

    mutating func routeGet(_ args: [String]) throws -> Int32 {
        guard let dst = args.first, args.count == 1 else { throw ipApplet.spec.usageError("ip route get ADDRESS (other selectors are not supported)") }
        let text = dst.split(separator: "/").first.map(String.init) ?? dst
        guard let bytes = parseIPv4(text) ?? parseIPv6(text) else {
            ctx.err.write("Error: any valid prefix is expected rather than \"\(dst)\".\n"); return 1
        }
        let fam: UInt8 = bytes.count == 4 ? 2 : 10
        if o.family != 0 && o.family != fam {
            ctx.err.write("Error: any valid prefix is expected rather than \"\(dst)\".\n"); return 1
        }
        try loadLinks()
        let reply = try nl.request(RtNetlink.getRoute, reply: RtNetlink.newRoute,
                                   // rtm_flags = RTM_F_LOOKUP_TABLE: the reply names the table used.
                                   header: [fam, UInt8(bytes.count * 8), 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0],
                                   attributes: [(1, bytes)])
        for m in reply { route(RtRoute(m), tableFilter: false) }
        p.finish()
        return 0
    }

    func route(_ r: RtRoute, tableFilter: Bool) {
        let a = r.attrs
        let hostLen = r.family == 2 ? 32 : r.family == 10 ? 128 : 0
        p.open(nil)
        if r.type != 1 { let t = routeTypeName(r.type, numeric: o.numeric); p.str("type", t, "\(t) ") }
        var dst = "default"
        if let d = a[1] { dst = hostText(r.family, d); if Int(r.dstLength) != hostLen { dst += "/\(r.dstLength)" } }
        else if r.dstLength != 0 { dst = "0/\(r.dstLength) " }
        p.str("dst", dst, "\(dst) ")
        if let s = a[2] {
            var t = hostText(r.family, s); if Int(r.srcLength) != hostLen { t += "/\(r.srcLength)" }
            p.str("from", t, "from \(t) ")
        } else if r.srcLength != 0 { p.str("src", "0/\(r.srcLength)", "from 0/\(r.srcLength) ") }
        if let nh = a.u32(30) { p.num("nhid", nh, "nhid \(nh) ") }
        if r.tos != 0 { let t = "0x" + hex2(r.tos); p.str("tos", t, "tos \(t) ") }
        if let g = a[5] { let t = hostText(r.family, g); if p.json { p.put("gateway", .string(t)) } else { p.text("via \(t) ") } }
        if let v = a[18], v.count >= 2 {
            let vf = UInt8(truncatingIfNeeded: le16(v, 0)), host = hostText(vf, v.dropFirst(2))
            if p.json { p.open("via"); p.put("family", .string(familyName(vf))); p.put("host", .string(host)); p.close() }
            else { p.text("via \(familyName(vf)) \(host) ") }
        }
        if let oif = a.u32(4) { let n = name(Int32(bitPattern: oif)); if p.json { p.put("dev", .string(n)) } else { p.text("dev \(n) ") } }
        if r.table != 0 && r.table != 254 && !tableFilter { let t = tableName(r.table); p.str("table", t, "table \(t) ") }
        if r.flags & 0x200 == 0 {
            if r.protocolID != 3 { let t = protoName(r.protocolID); p.str("protocol", t, "proto \(t) ") }
            if r.scope != 0 { let t = scopeName(r.scope); p.str("scope", t, "scope \(t) ") }
        }
        if let ps = a[7] { let t = hostText(r.family, ps); if p.json { p.put("prefsrc", .string(t)) } else { p.text("src \(t) ") } }
        if let m = a.u32(6) { p.num("metric", m, "metric \(m) ") }
        rtFlags(r.flags)
        if let mark = a.u32(16), mark != 0 {
            if p.json { p.put("mark", .int(Int64(mark))) } else { p.text(mark >= 16 ? "mark 0x\(String(mark, radix: 16)) " : "mark \(mark) ") }
        }
        if let flow = a.u32(11) {
            let from = flow >> 16, to = flow & 0xFFFF
            if p.json { p.open("flow"); if from != 0 { p.put("from", .string(String(from))) }; p.put("to", .string(String(to))); p.close() }
            else { p.text((from != 0 ? "realms \(from)/" : "realm ") + "\(to) ") }
        }
        if let uid = a.u32(25) { p.num("uid", uid, "uid \(uid) ") }
        if r.family == 2 && r.flags & 0x200 != 0 { cacheFlags(r.flags) }
        if r.family == 2 || r.family == 10, let ci = a[12], ci.count >= 32 { cacheInfo(ci) }
        if let mx = a.nested(8) { metrics(mx) }
        if let iif = a.u32(3) { let n = name(Int32(bitPattern: iif)); if p.json { p.put("iif", .string(n)) } else { p.text("iif \(n) ") } }
        if let pref = a.u8(20) {
            switch pref {
            case 3: p.str("pref", "low", "pref low")
            case 0: p.str("pref", "medium", "pref medium")
            case 1: p.str("pref", "high", "pref high")
            default: p.num("pref", pref, "\(pref)")
            }
        }
        if let ttl = a.u8(26) {
            if p.json { p.put("ttl-propogate", .bool(ttl != 0)) } else { p.text("ttl-propogate \(ttl != 0 ? "enabled" : "disabled")") }
        }
        if let mp = a[9] { multipath(r, mp) }
        p.text("\n")
        p.close()
    }

    func rtFlags(_ flags: UInt32) {
        p.open("flags", array: true)
        for (bit, n) in [(UInt32(1), "dead"), (4, "onlink"), (2, "pervasive"), (8, "offload"), (64, "trap"), (0x100, "notify"),
                         (16, "linkdown"), (32, "unresolved"), (0x4000, "rt_offload"), (0x8000, "rt_trap"), (0x2000_0000, "rt_offload_failed")]
            where flags & bit != 0 { p.str(nil, n, "\(n) ") }
        p.close()
    }

    func cacheFlags(_ all: UInt32) {
        var f = all & ~0xFFFF
        if p.json { p.open("cache", array: true) } else {
            p.text(p.lineBreak + "    cache ")
            if f == 0 { return }
            p.text("<")
        }
        for (bit, n) in [(UInt32(0x8000_0000), "local"), (0x4000_0000, "reject"), (0x2000_0000, "mc"), (0x1000_0000, "brd"),
                         (0x0800_0000, "dst-nat"), (0x0080_0000, "src-nat"), (0x0040_0000, "masq"), (0x0002_0000, "dst-direct"),
                         (0x0400_0000, "src-direct"), (0x0004_0000, "redirected"), (0x0100_0000, "redirect"),
                         (0x0020_0000, "fastroute"), (0x0001_0000, "notify"), (0x0008_0000, "proxy")] where f & bit != 0 {
            f &= ~bit
            if p.json { p.put(nil, .string(n)) } else { p.text(n + (f != 0 ? "," : "> ")) }
        }
        if f != 0 { p.any("flags", .string(String(f, radix: 16)), String(f, radix: 16) + ">") }
        p.close()
    }

    /// rta_cacheinfo: clntref, lastuse, expires (clock_t), error, used, id, ts, tsage.
    func cacheInfo(_ ci: ArraySlice<UInt8>) {
        let hz: Int32 = 100
        let clntref = le32(ci, 0), lastuse = le32(ci, 4), expires = Int32(bitPattern: le32(ci, 8))
        let error = le32(ci, 12), used = le32(ci, 16), id = le32(ci, 20), ts = le32(ci, 24), tsage = le32(ci, 28)
        if expires != 0 { p.num("expires", expires / hz, "expires \(expires / hz)sec ") }
        if error != 0 { p.num("error", error, "error \(error) ") }
        if o.stats > 0 {
            if clntref != 0 { p.num("users", clntref, "users \(clntref) ") }
            if used != 0 { p.num("used", used, "used \(used) ") }
            if lastuse != 0 { p.num("age", lastuse / 100, "age \(lastuse / 100)sec ") }
        }
        if id != 0 { let h = String(id, radix: 16); p.str("ipid", "0x" + h, "ipid 0x\(String(repeating: "0", count: max(0, 4 - h.count)) + h) ") }
        if ts != 0 || tsage != 0 {
            p.str("ts", "0x" + String(ts, radix: 16), "ts 0x\(String(ts, radix: 16))")
            p.num("tsage", tsage, "tsage \(tsage)sec ")
        }
    }

    func metrics(_ mx: RtAttributes) {
        let names = ["", "", "mtu", "window", "rtt", "rttvar", "ssthresh", "cwnd", "advmss", "reordering", "hoplimit",
                     "initcwnd", "features", "rto_min", "initrwnd", "quickack", "congctl", "fastopen_no_cookie"]
        let lock = mx.u32(1) ?? 0
        p.open("metrics", array: true); p.open(nil)
        for i in 2..<names.count {
            let present = mx[UInt16(i)] != nil
            if !present && lock & (1 << UInt32(i)) == 0 { continue }
            let val = i == 16 ? 0 : (mx.u32(UInt16(i)) ?? 0)
            if i == 10 && val == 0xFFFF_FFFF { continue }
            p.text("\(names[i]) ")
            if lock & (1 << UInt32(i)) != 0 { p.text("lock ") }
            switch i {
            case 12:
                var f = val
                if f & 1 != 0 { p.any("ecn", .null, "ecn "); f &= ~1 }
                if f != 0 { p.str("features", "0x" + String(val, radix: 16), "0x\(String(val, radix: 16)) ") }
            case 4, 5, 13:
                let v = i == 4 ? val / 8 : i == 5 ? val / 4 : val
                if p.json { p.put(names[i], .int(Int64(v))) } else { p.text(v >= 1000 ? "\(gText(Double(v) / 1000))s " : "\(v)ms ") }
            case 16:
                let t = mx.string(16) ?? ""; p.str("congestion", t, "\(t) ")
            default: p.num(names[i], val, "\(val) ")
            }
        }
        p.close(); p.close()
    }

    func multipath(_ r: RtRoute, _ mp: ArraySlice<UInt8>) {
        p.open("nexthops", array: true)
        var off = mp.startIndex
        while mp.endIndex - off >= 8 {
            let len = Int(le16(mp, off - mp.startIndex))
            guard len >= 8, len <= mp.endIndex - off else { break }
            let flags = mp[off + 2], hops = mp[off + 3], ifindex = Int32(bitPattern: le32(mp, off - mp.startIndex + 4))
            p.open(nil)
            p.text(p.lineBreak + "\tnexthop ")
            if len > 8 {
                let attrs = RtAttributes(mp[(off + 8)..<(off + len)], depth: 1)
                if let g = attrs[5] { let t = hostText(r.family, g); if p.json { p.put("gateway", .string(t)) } else { p.text("via \(t) ") } }
            }
            let n = name(ifindex)
            p.str("dev", n, "dev \(n) ")
            p.num("weight", Int(hops) + 1, "weight \(Int(hops) + 1) ")
            rtFlags(UInt32(flags))
            p.close()
            off += (len + 3) & ~3
        }
        p.close()
    }

    // MARK: ip neigh

    mutating func neighbours(_ args: [String]) throws -> Int32 {
        var dev: Int32? = nil
        var a = args[...]
        while let w = a.popFirst() {
            if w == "dev" {
                guard let d = a.popFirst() else { throw ipApplet.spec.usageError("Command line is not complete") }
                try loadLinks()
                guard let idx = index(ofName: d) else { ctx.err.write("Cannot find device \"\(d)\"\n"); return 1 }
                dev = idx
            } else { throw ipApplet.spec.usageError("neighbour selector \"\(w)\" is not supported") }
        }
        if links.isEmpty { try loadLinks() }
        let family: UInt8 = o.family == 17 ? 0 : o.family
        let all = try nl.dump(RtNetlink.getNeigh, reply: RtNetlink.newNeigh, header: [family] + [UInt8](repeating: 0, count: 11)).map(RtNeighbour.init)
        let stateFilter: UInt16 = 0xFF & ~0x40
        for n in all {
            if family != 0 && n.family != family { continue }
            if let dev, n.index != dev { continue }
            if stateFilter & n.state == 0 && n.flags & 0x18 == 0 { continue }
            neighbour(n, devFilter: dev != nil)
        }
        p.finish()
        return 0
    }

    func neighbour(_ n: RtNeighbour, devFilter: Bool) {
        let a = n.attrs
        p.open(nil)
        var fam = n.family
        if fam == 7, let d = a[1] { fam = d.count == 16 ? 10 : 2 }
        let type = link(n.index)?.type ?? 0
        if o.brief {
            if let d = a[1] { let t = hostText(fam, d); p.str("dst", t, padRight(t, 39) + " ") }
            if !devFilter && n.index != 0 { let t = name(n.index); p.str("dev", t, padRight(t, 16) + " ") }
            if let ll = a[2] { let t = llAddr(ll, type); p.str("lladdr", t, t) }
            p.text("\n")
            p.close()
            return
        }
        if let d = a[1] { let t = hostText(fam, d); p.str("dst", t, "\(t) ") }
        if !devFilter && n.index != 0 { let t = name(n.index); p.text("dev "); p.str("dev", t, "\(t) ") }
        if let ll = a[2] { let t = llAddr(ll, type); p.text("lladdr "); p.str("lladdr", t, "\(t) ") }
        let ext = a.u32(15) ?? 0
        if n.flags & 0x80 != 0 { p.any("router", .null, "router ") }
        if n.flags & 0x08 != 0 { p.any("proxy", .null, "proxy ") }
        if ext & 1 != 0 { p.any("managed", .null, "managed ") }
        if n.flags & 0x10 != 0 { p.any("extern_learn", .null, "extern_learn ") }
        if n.flags & 0x20 != 0 { p.any("offload", .null, "offload ") }
        if o.stats > 0 {
            if let ci = a[3], ci.count >= 16 {
                let confirmed = le32(ci, 0), used = le32(ci, 4), updated = le32(ci, 8), refcnt = le32(ci, 12)
                if refcnt != 0 { p.num("refcnt", refcnt, " ref \(refcnt)") }
                p.num("used", used / 100, " used \(used / 100)")
                p.num("confirmed", confirmed / 100, "/\(confirmed / 100)")
                p.num("updated", updated / 100, "/\(updated / 100)")
            }
            if let probes = a.u32(4) { p.num("probes", probes, "probes \(probes) ") }
        }
        if n.state != 0 {
            p.open("state", array: true)
            for (bit, s) in [(UInt16(0x01), "INCOMPLETE"), (0x02, "REACHABLE"), (0x04, "STALE"), (0x08, "DELAY"), (0x10, "PROBE"),
                             (0x20, "FAILED"), (0x40, "NOARP"), (0x80, "PERMANENT")] where n.state & bit != 0 { p.str(nil, s, "\(s) ") }
            p.close()
        }
        if let proto = a.u8(12), proto != 0 { let t = protoName(proto); p.str("protocol", t, "proto \(t) ") }
        p.text("\n")
        p.close()
    }

    // MARK: ip rule

    mutating func rules(_ args: [String]) throws -> Int32 {
        guard args.isEmpty else { throw ipApplet.spec.usageError("rule selector \"\(args[0])\" is not supported") }
        let family = o.family == 0 || o.family == 17 ? 2 : o.family
        let all = try nl.dump(RtNetlink.getRule, reply: RtNetlink.newRule, header: [family] + [UInt8](repeating: 0, count: 11)).map(RtRule.init)
        for r in all where r.family == family { rule(r) }
        p.finish()
        return 0
    }

    func rule(_ r: RtRule) {
        let a = r.attrs
        let hostLen = r.family == 2 ? 32 : r.family == 10 ? 128 : -1
        p.open(nil)
        let prio = a.u32(6) ?? 0
        p.num("priority", prio, "\(prio):\t")
        if r.flags & 2 != 0 { p.any("not", .null, "not ") }
        if let s = a[2] {
            p.text("from "); p.str("src", hostText(r.family, s), hostText(r.family, s))
            if Int(r.srcLength) != hostLen { p.num("srclen", r.srcLength, "/\(r.srcLength)") }
        } else if r.srcLength != 0 {
            p.str("src", "0", "from 0"); p.num("srclen", r.srcLength, "/\(r.srcLength)")
        } else { p.str("src", "all", "from all") }
        if let d = a[1] {
            p.text(" to "); p.str("dst", hostText(r.family, d), hostText(r.family, d))
            if Int(r.dstLength) != hostLen { p.num("dstlen", r.dstLength, "/\(r.dstLength)") }
        } else if r.dstLength != 0 {
            p.str("dst", "0", " to 0"); p.num("dstlen", r.dstLength, "/\(r.dstLength)")
        }
        if r.tos != 0 { let t = "0x" + hex2(r.tos); p.str("tos", t, " tos \(t)") }
        if a[10] != nil || a[16] != nil {
            let mark = a.u32(10) ?? 0
            let mt = mark == 0 ? "0" : "0x" + String(mark, radix: 16)
            p.str("fwmark", mt, " fwmark \(mt)")
            if let mask = a.u32(16), mask != 0xFFFF_FFFF {
                let t = mask == 0 ? "0" : "0x" + String(mask, radix: 16)
                p.str("fwmask", t, "/\(t)")
            }
        }
        if let iif = a.string(3) {
            p.text(" iif "); p.str("iif", iif, iif)
            if r.flags & 8 != 0 { p.any("iif_detached", .null, " [detached]") }
        }
        if let oif = a.string(17) {
            p.text(" oif "); p.str("oif", oif, oif)
            if r.flags & 16 != 0 { p.any("oif_detached", .null, " [detached]") }
        }
        if let l3 = a.u8(19), l3 != 0 { p.any("l3mdev", .null, " lookup [l3mdev-table]") }
        if let u = a[20], u.count >= 8 {
            let s = le32(u, 0), e = le32(u, 4)
            p.num("uid_start", s, " uidrange \(s)"); p.num("uid_end", e, "-\(e)")
        }
        if let proto = a.u8(22) {
            let t = [1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp"][Int(proto)] ?? "\(proto)"
            p.str("ipproto", t, " ipproto \(t)")
        }
        for (type, key) in [(UInt16(23), "sport"), (24, "dport")] {
            if let pr = a[type], pr.count >= 4 {
                let s = le16(pr, 0), e = le16(pr, 2)
                if s == e { p.num(key, s, " \(key) \(s)") } else { p.num(key + "_start", s, " \(key) \(s)"); p.num(key + "_end", e, "-\(e)") }
            }
        }
        if let tun = a[12], tun.count >= 8 {
            var v: UInt64 = 0
            for b in tun.prefix(8) { v = v << 8 | UInt64(b) }
            p.any("tun_id", .uint(v), " tun_id \(v)")
        }
        if r.table != 0 {
            let t = tableName(r.table)
            p.str("table", t, " lookup \(t)")
            if let pl = a.u32(14), pl != 0xFFFF_FFFF { p.num("suppress_prefixlen", Int32(bitPattern: pl), " suppress_prefixlength \(Int32(bitPattern: pl))") }
            if let g = a.u32(13), g != 0xFFFF_FFFF { let t = groupName(g); p.str("suppress_ifgroup", t, " suppress_ifgroup \(t)") }
        }
        if let flow = a.u32(11) {
            let from = flow >> 16, to = flow & 0xFFFF
            if from != 0 { p.str("flow_from", String(from), " realms \(from)/") } else { p.text(" realms ") }
            p.str("flow_to", String(to), String(to))
        }
        switch r.action {
        case 10:
            if let g = a[5] { let t = hostText(r.family, g); p.str("nat_gateway", t, " map-to \(t)") } else { p.any("masquerade", .null, " masquerade") }
        case 2:
            if let g = a.u32(4) { p.num("goto", g, " goto \(g)") } else { p.str("goto", "none", " goto none") }
            if r.flags & 4 != 0 { p.any("unresolved", .null, " [unresolved]") }
        case 3: p.any("nop", .null, " nop")
        case 1: break
        default: let t = routeTypeName(r.action, numeric: o.numeric); p.str("action", t, " \(t)")
        }
        if let proto = a.u8(21), proto != 0 && proto != 2 { let t = protoName(proto); p.str("protocol", t, " proto \(t)") }
        p.text("\n")
        p.close()
    }

    // MARK: names

    func scopeName(_ s: UInt8) -> String {
        if o.numeric { return "\(s)" }
        switch s { case 0: return "global"; case 200: return "site"; case 253: return "link"; case 254: return "host"; case 255: return "nowhere"; default: return "\(s)" }
    }
    func tableName(_ t: UInt32) -> String {
        if o.numeric { return "\(t)" }
        switch t { case 253: return "default"; case 254: return "main"; case 255: return "local"; default: return "\(t)" }
    }
    func protoName(_ v: UInt8) -> String {
        if o.numeric { return "\(v)" }
        let names: [UInt8: String] = [0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt",
            11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 18: "keepalived", 42: "babel",
            186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp"]
        return names[v] ?? "\(v)"
    }
    func groupName(_ g: UInt32) -> String { g == 0 && !o.numeric ? "default" : "\(Int32(bitPattern: g))" }
}

func routeTypeName(_ t: UInt8, numeric: Bool = false) -> String {
    if numeric { return "\(t)" }
    let names = ["none", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"]
    return Int(t) < names.count ? names[Int(t)] : "\(t)"
}

func familyName(_ f: UInt8) -> String {
    switch f { case 2: return "inet"; case 10: return "inet6"; case 17: return "link"; case 28: return "mpls"; case 7: return "bridge"; default: return "???" }
}

/// ll_type_n2a: the link type word after `link/`.
func llType(_ t: UInt16) -> String {
    let names: [UInt16: String] = [0: "netrom", 1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802", 7: "arcnet",
        8: "atalk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394", 32: "infiniband", 256: "slip", 257: "cslip", 258: "slip6",
        259: "cslip6", 260: "rsrvd", 264: "adapt", 270: "rose", 271: "x25", 272: "hwx25", 280: "can", 512: "ppp", 513: "hdlc",
        516: "lapb", 517: "ddcmp", 518: "rawhdlc", 768: "ipip", 769: "tunnel6", 770: "frad", 771: "skip", 772: "loopback",
        773: "ltalk", 774: "fddi", 775: "bif", 776: "sit", 777: "ip/ddp", 778: "gre", 779: "pimreg", 780: "hippi", 781: "ash",
        782: "econet", 783: "irda", 784: "fcpp", 785: "fcal", 786: "fcpl", 787: "fcfb0", 800: "tr", 801: "ieee802.11",
        802: "ieee802.11/prism", 803: "ieee802.11/radiotap", 0xFFFE: "none", 0xFFFF: "void"]
    return names[t] ?? "[\(t)]"
}

/// ll_addr_n2a: hex bytes joined by ':', or an IP address for tunnels.
func llAddr(_ a: ArraySlice<UInt8>, _ type: UInt16) -> String {
    if a.count == 4 && (type == 768 || type == 776 || type == 778) { return hostText(2, a) }
    if a.count == 16 && (type == 769 || type == 823) { return hostText(10, a) }
    var s = ""
    for (i, b) in a.enumerated() { s += (i == 0 ? "" : ":") + hex2(b) }
    return s
}

func hex2(_ b: UInt8) -> String { let h = String(b, radix: 16); return h.count < 2 ? "0" + h : h }

/// inet_ntop of an address attribute of `family`; "???" when the length does not fit.
func hostText(_ family: UInt8, _ b: ArraySlice<UInt8>) -> String {
    if family == 2 && b.count >= 4 {
        let s = b.startIndex
        return "\(b[s]).\(b[s + 1]).\(b[s + 2]).\(b[s + 3])"
    }
    if family == 10 && b.count >= 16 {
        let bytes = Array(b.prefix(16))
        // glibc prints an IPv4-compatible address (::/96 with a non-zero
        // high half of the last 32 bits) as ::a.b.c.d.
        if bytes[0..<12].allSatisfy({ $0 == 0 }) && (bytes[12] != 0 || bytes[13] != 0) {
            return "::\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
        }
        return formatIPv6(bytes)
    }
    return "???"
}

func padRight(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }

/// printf's %g for the metric times (at most 6 significant digits).
func gText(_ v: Double) -> String {
    cFormatted("%g", v)
}

func le16(_ b: ArraySlice<UInt8>, _ off: Int) -> UInt16 {
    let i = b.startIndex + off
    return i + 1 < b.endIndex ? UInt16(b[i]) | UInt16(b[i + 1]) << 8 : 0
}
func le32(_ b: ArraySlice<UInt8>, _ off: Int) -> UInt32 { UInt32(le16(b, off)) | UInt32(le16(b, off + 2)) << 16 }
