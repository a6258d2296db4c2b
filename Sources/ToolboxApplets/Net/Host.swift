import ToolboxCore

let hostApplet = Applet(spec: AppletSpec(
    name: "host",
    summary: "Look up DNS names as bind's host does, from the target's network namespace with its resolv.conf",
    usage: ["[-t TYPE] [-W SECS] [-R N] [-T] [-4|-6] [--pid PID] [--explain] NAME [SERVER]"],
    details: """
    Without -t, asks for A, AAAA and MX records and prints them as bind's
    host: "has address", "has IPv6 address", "mail is handled by", "is an
    alias for". An address operand is looked up in reverse (PTR). Names go
    through the target's search list (glibc's order with ndots). Exit 1
    when the name is not found or no server answers.
    """,
    options: [
        .value("t", nil, "TYPE", "query type (A AAAA CNAME MX NS PTR SOA SRV TXT CAA ...)"),
        .value("W", nil, "SECS", "seconds to wait for a reply"),
        .value("R", nil, "N", "number of UDP retries"),
        .flag("T", nil, "use TCP"),
        .flag("4", nil, "IPv4 servers only"),
        .flag("6", nil, "IPv6 servers only"),
        .value(nil, "pid", "PID", "look up from PID's network namespace with its resolver files"),
        .flag(nil, "explain", "print each name the search list tries, with answer and time"),
    ]), run: runHost)

/// host's phrase for each record type (bin/dig/host.c rtypes[]).
func hostPhrase(_ t: UInt16) -> String {
    switch t {
    case DNSType.a: return "has address"
    case DNSType.aaaa: return "has IPv6 address"
    case DNSType.mx: return "mail is handled by"
    case DNSType.cname: return "is an alias for"
    case DNSType.ptr: return "domain name pointer"
    case DNSType.ns: return "name server"
    case DNSType.txt: return "descriptive text"
    case DNSType.soa: return "has SOA record"
    case DNSType.srv: return "has SRV record"
    default: return "has \(DNSType.name(t)) record"
    }
}

@Sendable
func runHost(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = hostApplet.spec
    let p = try spec.parse(args)
    guard let name = p.operands.first, p.operands.count <= 2 else { throw spec.usageError(p.operands.isEmpty ? "missing NAME" : "too many operands") }
    var types: [UInt16] = [DNSType.a, DNSType.aaaa, DNSType.mx]
    var explicit = false
    var qname = name
    if let r = reverseName(name) { qname = r; types = [DNSType.ptr] }
    if let t = p.value("t") {
        guard let v = DNSType.parse(t) else { throw spec.usageError("invalid type: \(t)") }
        types = [v]; explicit = true
    }
    let target = try NetTarget(ctx, pid: p.value("pid"))
    let timeout = try p.value("W").map { try numberOption(spec, "wait", $0, 1...3600) }
    let retries = try p.value("R").map { try numberOption(spec, "retries", $0, 0...100) }
    guard let (client, _) = lookupClient(ctx, target, server: p.operands.count > 1 ? p.operands[1] : nil, port: 53,
                                         timeoutSecs: timeout, tries: max(2, (retries ?? 1) + 1), useTCP: p.has("T")) else { return 1 }
    client.onTimeout = { s in ctx.out.write(";; communications error to \(serverText(s)): timed out\n") }
    if p.has("4") || p.has("6") { client.servers = client.servers.filter { $0.isV6 == p.has("6") } }
    // With a SERVER operand bind prints it with the first answer.
    var serverPrinted = p.operands.count < 2
    func printServer() {
        if serverPrinted { return }
        serverPrinted = true
        ctx.out.write("Using domain server:\nName: \(p.operands[1])\n")
        for a in client.servers { ctx.out.write("Address: \(serverText(a))\n") }
        ctx.out.write("Aliases: \n\n")
    }
    let candidates = target.files.conf.candidates(qname)
    let explain = p.has("explain")
    var printedAlias: [String] = []
    var status = ExitCode.success
    for t in types {
        let (best, _) = client.search(candidates, type: t, bindStyle: true) { step in
            if explain { ctx.out.write(";; search: \(step.name) \(DNSType.name(t)): \(step.summary) (\(step.millis) ms)\n") }
        }
        guard let best else { continue }
        switch best.outcome {
        case .reply(let m, _, _, _, _):
            printServer()
            if m.rcode != DNSRcode.noError {
                ctx.out.write("Host \(bareName(qname)) not found: \(m.rcode)(\(DNSRcode.name(m.rcode)))\n")
                return 1
            }
            var any = false
            for r in m.answers {
                if r.type == DNSType.cname {
                    let line = "\(bareName(r.name)) \(hostPhrase(r.type)) \(r.data.text)"
                    if !printedAlias.contains(line) { printedAlias.append(line); ctx.out.write(line + "\n") }
                    continue
                }
                guard r.type == t else { continue }
                any = true
                ctx.out.write("\(bareName(r.name)) \(hostPhrase(r.type)) \(r.data.text)\n")
            }
            if !any && explicit { ctx.out.write("\(bareName(best.name)) has no \(DNSType.name(t)) record\n") }
        case .timedOut:
            ctx.out.write(";; no servers could be reached\n")
            return 1
        case .failed(let e, _):
            ctx.out.write(";; communications error: \(e.description)\n")
            status = 1
        case .malformed:
            ctx.out.write(";; Got bad packet\n")
            status = 1
        }
    }
    return status
}
