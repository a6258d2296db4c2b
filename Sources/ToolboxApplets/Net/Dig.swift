import ToolboxCore

let digApplet = Applet(spec: AppletSpec(
    name: "dig",
    summary: "Query DNS servers as bind's dig does, from the target's network namespace with its resolv.conf",
    usage: ["[@SERVER] [-t TYPE] [-x ADDR] [-p PORT] [-4|-6] [+OPTION...] [--pid PID] [--explain] [NAME] [TYPE]"],
    details: """
    Prints bind's layout: header, flags, QUESTION/ANSWER/AUTHORITY/ADDITIONAL
    sections, query time, server, date and message size. A positional word
    that is a type (A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA, ANY,
    TYPEnnn) sets the type. Without @SERVER the nameservers of resolv.conf
    are asked all at once (first answer wins); a truncated answer is asked
    again over TCP.
    +OPTIONS: +short, +search/+nosearch, +showsearch, +tcp/+notcp, +time=N,
    +tries=N, +retry=N, +ndots=N, +edns[=0]/+noedns, +bufsize=N, +rec/+norec,
    +ignore, +cookie/+nocookie, +cmd, +comments, +question, +answer,
    +authority, +additional, +stats, +all (each with +no... to turn off).
    --pid PID: the network namespace of PID and its /etc/resolv.conf, hosts
    and nsswitch.conf read through /proc/PID/root.
    --explain: each name the search list tries, with its answer and time.
    Exit status as dig's: 0 answer received (even NXDOMAIN), 1 usage
    error, 9 no reply from any server, 10 internal error.
    """,
    options: [
        .value("t", nil, "TYPE", "query type (default A, PTR with -x)"),
        .value("x", nil, "ADDR", "reverse lookup of an IPv4 or IPv6 address"),
        .value("p", nil, "PORT", "server port (default 53)"),
        .value("q", nil, "NAME", "query name"),
        .value("c", nil, "CLASS", "query class (only IN)"),
        .flag("4", nil, "IPv4 servers only"),
        .flag("6", nil, "IPv6 servers only"),
        .value(nil, "pid", "PID", "query from PID's network namespace with its resolver files"),
        .flag(nil, "explain", "print each name the search list tries, with answer and time"),
    ]), run: runDig)

/// dig's display and query settings (+options).
struct DigOptions {
    var short = false, search = false, showSearch = false, tcp = false, ignoreTC = false
    var cmd = true, comments = true, question = true, answer = true, authority = true, additional = true, stats = true
    var timeoutSecs: Int? = nil, tries: Int? = nil, ndots: Int? = nil
    var edns = true, bufsize: UInt16 = 1232, recurse = true, cookie = true
    var type: UInt16? = nil
    var names: [String] = []
    var server: String? = nil
    var port: UInt16 = 53
    var family: Int32 = AF_UNSPEC
    var pid: String? = nil
    var explain = false
    var reverse = false
}

/// dig's +option words: `+[no]name[=value]`, prefixes allowed as bind allows.
func applyDigPlus(_ word: String, _ o: inout DigOptions) -> Bool {
    var w = Substring(word.dropFirst())
    var on = true
    if w.hasPrefix("no") { on = false; w = w.dropFirst(2) }
    var value: String? = nil
    if let eq = w.firstIndex(of: "=") { value = String(w[w.index(after: eq)...]); w = w[..<eq] }
    let name = String(w)
    func matches(_ full: String, min: Int) -> Bool { name.count >= min && full.hasPrefix(name) }
    if matches("short", min: 2) { o.short = on; if on { o.cmd = false; o.comments = false; o.question = false; o.authority = false; o.additional = false; o.stats = false } }
    else if matches("search", min: 3) { o.search = on }
    else if matches("showsearch", min: 5) { o.showSearch = on; if on { o.search = true } }
    else if matches("tcp", min: 2) || matches("vc", min: 2) { o.tcp = on }
    else if matches("ignore", min: 2) { o.ignoreTC = on }
    else if matches("cmd", min: 2) { o.cmd = on }
    else if matches("comments", min: 4) { o.comments = on }
    else if matches("question", min: 2) { o.question = on }
    else if matches("answer", min: 2) { o.answer = on }
    else if matches("authority", min: 2) { o.authority = on }
    else if matches("additional", min: 3) { o.additional = on }
    else if matches("stats", min: 2) { o.stats = on }
    else if matches("all", min: 2) { o.cmd = on; o.comments = on; o.question = on; o.answer = on; o.authority = on; o.additional = on; o.stats = on }
    else if matches("time", min: 2) { guard let v = value.flatMap({ Int($0) }) else { return false }; o.timeoutSecs = max(1, v) }
    else if matches("tries", min: 2) { guard let v = value.flatMap({ Int($0) }) else { return false }; o.tries = max(1, v) }
    else if matches("retry", min: 3) { guard let v = value.flatMap({ Int($0) }) else { return false }; o.tries = max(1, v + 1) }
    else if matches("ndots", min: 2) { guard let v = value.flatMap({ Int($0) }) else { return false }; o.ndots = v }
    else if matches("edns", min: 2) { o.edns = on }
    else if matches("bufsize", min: 1) { guard let v = value.flatMap({ UInt16($0) }) else { return false }; o.bufsize = v }
    else if matches("recurse", min: 3) { o.recurse = on }
    else if matches("cookie", min: 3) { o.cookie = on }
    else if matches("identify", min: 2) || matches("multiline", min: 2) || matches("ttlid", min: 2) || matches("class", min: 2) { }
    else { return false }
    return true
}

@Sendable
func runDig(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = digApplet.spec
    var o = DigOptions()
    var i = 0
    func next(_ flag: String) throws -> String {
        i += 1
        guard i < args.count else { throw spec.usageError("option requires an argument -- '\(flag)'") }
        return args[i]
    }
    while i < args.count {
        let a = args[i]
        if a.hasPrefix("+") {
            guard applyDigPlus(a, &o) else { throw spec.usageError("invalid option: \(a)") }
        } else if a.hasPrefix("@") && a.count > 1 {
            o.server = String(a.dropFirst())
        } else if a == "--pid" { o.pid = try next("--pid") }
        else if a.hasPrefix("--pid=") { o.pid = String(a.dropFirst(6)) }
        else if a == "--explain" { o.explain = true; o.search = true }
        else if a == "--help" { ctx.out.write(spec.helpText); return ExitCode.success }
        else if a.hasPrefix("-") && a.count >= 2 {
            let letter = a.dropFirst().first!
            let inline = a.count > 2 ? String(a.dropFirst(2)) : nil
            switch letter {
            case "t":
                let v = try inline ?? next("t")
                guard let t = DNSType.parse(v) else { throw spec.usageError("invalid type: \(v)") }
                o.type = t
            case "x":
                let v = try inline ?? next("x")
                guard let r = reverseName(v) else { throw spec.usageError("invalid address: \(v)") }
                o.names.append(r); o.reverse = true
            case "p":
                let v = try inline ?? next("p")
                o.port = UInt16(try numberOption(spec, "port number", v, 0...65535))
            case "q": o.names.append(try inline ?? next("q"))
            case "c":
                let v = try inline ?? next("c")
                guard v.uppercased() == "IN" else { throw spec.usageError("class \(v) is not supported") }
            case "4": o.family = AF_INET
            case "6": o.family = AF_INET6
            default: throw spec.usageError("invalid option -- '\(letter)'")
            }
        } else if isTypeWord(a), let t = DNSType.parse(a) {
            if o.type != nil { ctx.err.write(";; Warning, extra type option\n") }
            o.type = t
        } else if a.uppercased() == "IN" {
        } else {
            o.names.append(a)
        }
        i += 1
    }
    let target = try NetTarget(ctx, pid: o.pid)
    var conf = target.files.conf
    if let n = o.ndots { conf.ndots = n }
    let timeoutMs = Int64(o.timeoutSecs ?? conf.timeout) * 1000
    let tries = o.tries ?? 3   // bind's dig: +tries=3 unless told

    // The servers: @SERVER (a literal or a name resolved as the app would), else resolv.conf.
    var servers: [SocketAddress] = []
    var serverLabel: [String] = []
    var serversFound: Int? = nil
    if let s = o.server {
        if let lit = SocketAddress(literal: s, port: o.port) {
            servers = [lit]
        } else {
            switch target.hostResolver().resolve(s, family: o.family) {
            case .success(let addrs): servers = addrs.map { SocketAddress(address: $0, port: o.port) }
            case .failure:
                ctx.err.write("dig: couldn't get address for '\(s)': not found\n")
                return 10
            }
        }
        serverLabel = servers.map { _ in s }
        serversFound = servers.count
    } else {
        servers = conf.nameservers.compactMap { SocketAddress(literal: $0, port: o.port) }
        serverLabel = servers.map { $0.host }
    }
    if o.family != AF_UNSPEC {
        let keep = servers.indices.filter { servers[$0].family == o.family }
        servers = keep.map { servers[$0] }; serverLabel = keep.map { serverLabel[$0] }
    }
    if servers.isEmpty { ctx.err.write("dig: no nameservers for the requested address family\n"); return 10 }

    let client = DNSClient(namespace: target.namespace, servers: servers, timeoutMs: timeoutMs, attempts: tries,
                           udpSize: o.edns ? o.bufsize : nil)
    client.forceTCP = o.tcp
    client.ignoreTruncation = o.ignoreTC
    var cookie: [UInt8] = []
    if o.edns && o.cookie {
        for _ in 0..<8 { cookie.append(UInt8.random(in: 0...255)) }
        client.options = [DNSOption(code: DNSOption.cookie, data: cookie)]
    }
    client.onTimeout = { s in
        ctx.out.write(";; communications error to \(serverText(s)): timed out\n")
    }
    client.onTruncated = { _ in ctx.out.write(";; Truncated, retrying in TCP mode.\n") }

    if o.names.isEmpty { o.names = ["."]; if o.type == nil { o.type = DNSType.ns } }
    var status = ExitCode.success
    var first = true
    for name in o.names {
        let type = o.type ?? (o.reverse ? DNSType.ptr : DNSType.a)
        // bind prints the command header once the first lookup is over,
        // after its retry and truncation messages.
        let header = first && o.cmd
        first = false
        func printHeader() {
            guard header else { return }
            ctx.out.write("\n; <<>> DiG toolbox <<>> \(args.joinedText(" "))\n")
            if let n = serversFound { ctx.out.write("; (\(n) server\(n == 1 ? "" : "s") found)\n") }
            ctx.out.write(";; global options: +cmd\n")
        }
        let candidates: [String]
        if o.search && !name.hasSuffix(".") {
            candidates = conf.candidates(name)
        } else {
            candidates = [name.hasSuffix(".") ? name : name + "."]
        }
        let trace: ((SearchStep) -> Void)? = (o.explain || o.showSearch) ? { step in
            ctx.out.write(";; search: \(step.name) \(DNSType.name(step.type)): \(step.summary) (\(step.millis) ms)\n")
        } : nil
        if o.explain {
            ctx.out.write(";; resolv.conf: \(target.files.prefix)/etc/resolv.conf: search \(conf.search.joinedText(" ")); ndots:\(conf.ndots) (\(name) has \(name.filter { $0 == "." }.count) dot\(name.filter { $0 == "." }.count == 1 ? "" : "s"))\n")
        }
        // --explain shows what an application's resolver (glibc) does;
        // plain +search follows bind's dig.
        let (best, _) = client.search(candidates, type: type, bindStyle: !o.explain, trace: trace)
        printHeader()
        guard let best else { continue }
        switch best.outcome {
        case .reply(let m, let size, let server, let tcp, let micros):
            let label = serverLabel[servers.firstIndex(of: server) ?? 0]
            printDigReply(ctx, o, m, size: size, server: server, label: label, tcp: tcp, micros: micros, cookie: cookie)
        case .timedOut:
            ctx.out.write(";; no servers could be reached\n")
            status = 9
        case .failed(let e, let server):
            if let server {
                ctx.out.write(";; communications error to \(serverText(server)): \(e.rawValue == ECONNREFUSED ? "connection refused" : e.message.lowercased())\n")
            }
            ctx.out.write(";; no servers could be reached\n")
            status = 9
        case .malformed(let e, let server):
            ctx.out.write(";; Got bad packet: \(e)\n;; from \(serverText(server))\n")
            status = 9
        }
    }
    return status
}

/// A positional word dig takes as a type: a known mnemonic or TYPEnnn.
func isTypeWord(_ a: String) -> Bool {
    let u = a.uppercased()
    if u.hasPrefix("TYPE") { return UInt16(u.dropFirst(4)) != nil }
    return DNSType.names.contains { $0.1 == u }
}

/// bind's column rule (lib/dns/masterdump.c indent): tabs to the next
/// column stop, the record's fields at columns 24, 32, 40, 48.
func digIndent(_ line: inout String, _ column: inout Int, to target: Int) {
    var to = target
    if to < column + 1 { to = column + 1 }
    let tabs = to / 8 - column / 8
    var from = column
    if tabs > 0 { line += String(repeating: "\t", count: tabs); from = (to / 8) * 8 }
    if to > from { line += String(repeating: " ", count: to - from) }
    column = to
}

func digRecordLine(_ r: DNSRecord) -> String {
    var line = r.name
    var col = r.name.utf8.count
    digIndent(&line, &col, to: 24)
    let ttl = String(r.ttl); line += ttl; col += ttl.count
    digIndent(&line, &col, to: 32)
    let cls = DNSClass.name(r.klass); line += cls; col += cls.count
    digIndent(&line, &col, to: 40)
    let t = DNSType.name(r.type); line += t; col += t.count
    digIndent(&line, &col, to: 48)
    return line + r.data.text
}

let edeNames = ["Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type", "Stale Answer", "Forged Answer",
                "DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired", "Signature Not Yet Valid", "DNSKEY Missing",
                "RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing", "Cached Error", "Not Ready", "Blocked", "Censored",
                "Filtered", "Prohibited", "Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
                "No Reachable Authority", "Network Error", "Invalid Data"]

func printDigReply(_ ctx: Context, _ o: DigOptions, _ m: DNSMessage, size: Int, server: SocketAddress, label: String,
                   tcp: Bool, micros: Int64, cookie: [UInt8]) {
    let out = ctx.out
    if o.short {
        for r in m.answers { out.write(r.data.text); out.byte(ASCII.newline) }
        return
    }
    if o.comments {
        out.write(";; Got answer:\n")
        if let q = m.questions.first, q.name.lowercased().hasSuffix(".local.") || q.name.lowercased() == "local." {
            out.write(";; WARNING: .local is reserved for Multicast DNS\n;; You are currently testing what happens when an mDNS query is leaked to DNS\n")
        }
        let opcodes = ["QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE"]
        let op = Int(m.opcode) < opcodes.count ? opcodes[Int(m.opcode)] : "RESERVED\(m.opcode)"
        out.write(";; ->>HEADER<<- opcode: \(op), status: \(DNSRcode.name(m.rcode)), id: \(m.id)\n")
        out.write(";; flags:")
        let flagNames: [(UInt16, String)] = [(DNSMessage.qr, "qr"), (DNSMessage.aa, "aa"), (DNSMessage.tc, "tc"), (DNSMessage.rd, "rd"),
                                             (DNSMessage.ra, "ra"), (DNSMessage.ad, "ad"), (DNSMessage.cd, "cd")]
        for (bit, n) in flagNames where m.flags & bit != 0 { out.write(" " + n) }
        out.write("; QUERY: \(m.questions.count), ANSWER: \(m.answers.count), AUTHORITY: \(m.authority.count), ADDITIONAL: \(m.additional.count + (m.edns == nil ? 0 : 1))\n")
        if o.recurse && m.flags & DNSMessage.ra == 0 { out.write(";; WARNING: recursion requested but not available\n") }
        out.write("\n")
        if let e = m.edns {
            out.write(";; OPT PSEUDOSECTION:\n; EDNS: version: \(e.version), flags:\(e.flags & 0x8000 != 0 ? " do" : ""); udp: \(e.udpSize)\n")
            for opt in e.options {
                switch opt.code {
                case DNSOption.cookie:
                    var s = "; COOKIE: "
                    for b in opt.data { s += hexByte(b).lowercased() }
                    if opt.data.count > 8 { s += Array(opt.data.prefix(8)) == cookie ? " (good)" : "" }
                    out.write(s + "\n")
                case DNSOption.ede where opt.data.count >= 2:
                    let code = Int(opt.data[0]) << 8 | Int(opt.data[1])
                    var s = "; EDE: \(code)" + (code < edeNames.count ? " (\(edeNames[code]))" : "")
                    if opt.data.count > 2 { s += ": (\(String(decoding: opt.data.dropFirst(2), as: UTF8.self)))" }
                    out.write(s + "\n")
                case DNSOption.nsid:
                    var s = "; NSID: "
                    for b in opt.data { s += hexByte(b) + " " }
                    out.write(s + "\n")
                default:
                    var s = "; OPT=\(opt.code): "
                    for b in opt.data { s += hexByte(b) + " " }
                    out.write(s + "\n")
                }
            }
        }
    }
    if o.question && !m.questions.isEmpty {
        if o.comments { out.write(";; QUESTION SECTION:\n") }
        for q in m.questions {
            var line = ";" + q.name
            var col = q.name.utf8.count   // bind counts from after the ';'
            digIndent(&line, &col, to: 32)
            line += DNSClass.name(q.klass); col += DNSClass.name(q.klass).count
            digIndent(&line, &col, to: 40)
            out.write(line + DNSType.name(q.type) + "\n")
        }
        if o.comments { out.write("\n") }
    }
    let sections: [(Bool, String, [DNSRecord])] = [(o.answer, "ANSWER", m.answers), (o.authority, "AUTHORITY", m.authority),
                                                   (o.additional, "ADDITIONAL", m.additional)]
    for (on, title, records) in sections where on && !records.isEmpty {
        if o.comments { out.write(";; \(title) SECTION:\n") }
        for r in bindOrder(records) { out.write(digRecordLine(r) + "\n") }
        if o.comments { out.write("\n") }
    }
    if o.stats {
        out.write(";; Query time: \(micros / 1000) msec\n")
        out.write(";; SERVER: \(serverText(server))(\(label)) (\(tcp ? "TCP" : "UDP"))\n")
        out.write(";; WHEN: \(localTimeText("%a %b %d %H:%M:%S %Z %Y"))\n")
        out.write(";; MSG SIZE  rcvd: \(size)\n\n")
    }
}

/// The order bind prints a section in: its message parser files records
/// into rdatasets (owner name, type), each name and each of its types in
/// order of first appearance; records of one set keep wire order.
func bindOrder(_ records: [DNSRecord]) -> [DNSRecord] {
    var keys: [(String, UInt16)] = []
    for r in records {
        let l = r.name.lowercased()
        if !keys.contains(where: { $0.0 == l && $0.1 == r.type }) { keys.append((l, r.type)) }
    }
    var names: [String] = []
    for k in keys where !names.contains(k.0) { names.append(k.0) }
    var out: [DNSRecord] = []
    out.reserveCapacity(records.count)
    for n in names {
        for k in keys where k.0 == n {
            out += records.filter { $0.name.lowercased() == n && $0.type == k.1 }
        }
    }
    return out
}
