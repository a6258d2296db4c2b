import ToolboxCore

let nslookupApplet = Applet(spec: AppletSpec(
    name: "nslookup",
    summary: "Look up DNS names as bind's nslookup does, from the target's network namespace with its resolv.conf",
    usage: ["[-type=TYPE] [-timeout=SECS] [-retry=N] [-port=N] [-vc] [--pid PID] [--explain] NAME [SERVER]"],
    details: """
    Non-interactive nslookup (bind's layout): "Server:", "Address:", then
    "Name:"/"Address:" pairs for A and AAAA, "canonical name =", "mail
    exchanger =", "text =", "service =", "name =" for other types. An
    address operand is looked up in reverse. Names go through the target's
    search list. Exit 1 when the name is not found or no server answers.
    -type= (also -query= -q=), -timeout=, -retry=, -port= and -vc are
    bind's single-dash options.
    """,
    options: [
        .value(nil, "pid", "PID", "look up from PID's network namespace with its resolver files"),
        .flag(nil, "explain", "print each name the search list tries, with answer and time"),
    ]), run: runNslookup)

func nslookupRecord(_ r: DNSRecord) -> String {
    let n = bareName(r.name)
    switch r.data {
    case .a(_), .aaaa(_): return "Name:\t\(n)\nAddress: \(r.data.text)\n"
    case .soa(let mn, let rn, let serial, let refresh, let retry, let expire, let minimum):
        return "\(n)\n\torigin = \(bareName(mn))\n\tmail addr = \(bareName(rn))\n\tserial = \(serial)\n\trefresh = \(refresh)\n\tretry = \(retry)\n\texpire = \(expire)\n\tminimum = \(minimum)\n"
    default:
        let label: String
        switch r.type {
        case DNSType.cname: label = "canonical name"
        case DNSType.mx: label = "mail exchanger"
        case DNSType.txt: label = "text"
        case DNSType.srv: label = "service"
        case DNSType.ptr: label = "name"
        case DNSType.ns: label = "nameserver"
        default: label = "rdata_\(r.type)"
        }
        return "\(n)\t\(label) = \(r.data.text)\n"
    }
}

@Sendable
func runNslookup(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = nslookupApplet.spec
    // bind's single-dash "-name=value" settings come first, then the table.
    var rest: [String] = []
    var type: UInt16? = nil
    var timeout: Int? = nil, tries: Int? = nil, port: UInt16 = 53, vc = false
    for a in args {
        guard a.hasPrefix("-"), !a.hasPrefix("--"), a.count > 1 else { rest.append(a); continue }
        let body = a.dropFirst()
        let key = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        let value = body.contains(Character("=")) ? String(body.split(separator: "=", maxSplits: 1)[1]) : ""
        switch key.lowercased() {
        case "type", "querytype", "query", "q", "ty":
            guard let t = DNSType.parse(value) else { throw spec.usageError("invalid type: \(value)") }
            type = t
        case "timeout", "ti": timeout = try numberOption(spec, "timeout", value, 1...3600)
        case "retry", "ret": tries = max(1, try numberOption(spec, "retry", value, 0...100))
        case "port", "po": port = UInt16(try numberOption(spec, "port", value, 0...65535))
        case "vc": vc = true
        case "novc": vc = false
        default: throw spec.usageError("invalid option: \(a)")
        }
    }
    let p = try spec.parse(rest)
    guard let name = p.operands.first, p.operands.count <= 2 else { throw spec.usageError(p.operands.isEmpty ? "missing NAME (interactive mode is not supported)" : "too many operands") }
    let target = try NetTarget(ctx, pid: p.value("pid"))
    guard let (client, label) = lookupClient(ctx, target, server: p.operands.count > 1 ? p.operands[1] : nil, port: port,
                                             timeoutSecs: timeout, tries: tries ?? 3, useTCP: vc) else { return 1 }
    client.onTimeout = { s in ctx.out.write(";; communications error to \(serverText(s)): timed out\n") }
    client.onTruncated = { _ in ctx.out.write(";; Truncated, retrying in TCP mode.\n") }
    var qname = name
    var types: [UInt16] = [DNSType.a, DNSType.aaaa]
    let reverse = reverseName(name)
    if let r = reverse { qname = r; types = [DNSType.ptr] }
    let defaultLookups = type == nil && reverse == nil
    if let t = type { types = [t] }
    // bind prints no server lines for a reverse lookup of an address.
    // bind prints the server lines with the first answer (not before a
    // timeout), and none for a reverse lookup of an address.
    var serverPrinted = reverse != nil
    func printServer(_ s: SocketAddress) {
        if serverPrinted { return }
        serverPrinted = true
        ctx.out.write("Server:\t\t\(label)\nAddress:\t\(serverText(s))\n\n")
    }
    let candidates = target.files.conf.candidates(qname)
    let explain = p.has("explain")
    var aNoAnswer = false
    var printedCNAME: [String] = []
    var status = ExitCode.success
    for t in types {
        let (best, _) = client.search(candidates, type: t, bindStyle: true) { step in
            if explain { ctx.out.write(";; search: \(step.name) \(DNSType.name(t)): \(step.summary) (\(step.millis) ms)\n") }
        }
        guard let best else { continue }
        switch best.outcome {
        case .reply(let m, _, let server, _, _):
            printServer(server)
            if m.rcode != DNSRcode.noError {
                ctx.out.write("** server can't find \(bareName(best.name)): \(DNSRcode.name(m.rcode))\n")
                status = 1
                if defaultLookups { ctx.out.write("\n"); return status }
                continue
            }
            let authoritative = m.flags & DNSMessage.aa != 0
            if defaultLookups && t == DNSType.a { aNoAnswer = m.answers.isEmpty }
            if !authoritative && (!defaultLookups || t == DNSType.a) { ctx.out.write("Non-authoritative answer:\n") }
            if !m.answers.isEmpty {
                for r in m.answers {
                    let text = nslookupRecord(r)
                    if r.type == DNSType.cname { if printedCNAME.contains(text) { continue }; printedCNAME.append(text) }
                    ctx.out.write(text)
                }
            } else if !(defaultLookups && t == DNSType.a) && (!defaultLookups || aNoAnswer) {
                ctx.out.write("*** Can't find \(bareName(best.name)): No answer\n")
            }
            if !authoritative && t != DNSType.a && t != DNSType.aaaa {
                ctx.out.write("\nAuthoritative answers can be found from:\n")
                for r in m.authority + m.additional { ctx.out.write(nslookupRecord(r)) }
            }
        case .timedOut:
            ctx.out.write(";; no servers could be reached\n\n")
            return 1
        case .failed(let e, _):
            ctx.out.write(";; communications error: \(e.description)\n")
            status = 1
        case .malformed:
            ctx.out.write(";; Got bad packet\n")
            status = 1
        }
    }
    ctx.out.write("\n")
    return status
}
