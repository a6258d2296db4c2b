import ToolboxCore

/// What every network applet shares: `--pid PID` (the target's network
/// namespace and its /etc resolver files through /proc/PID/root, or this
/// process's own), and the host-name resolution an application there would
/// get.
struct NetTarget {
    let namespace: NetNamespace
    let files: ResolverFiles
    let pid: Int32?

    /// Opens the target of `--pid` (nil: our own). Entering another
    /// namespace needs CAP_SYS_ADMIN: the error says so.
    init(_ ctx: Context, pid text: String?) throws {
        guard let text else {
            namespace = NetNamespace(); files = ResolverFiles.load(rootPath: nil); pid = nil
            return
        }
        guard let p = Int32(text), p > 0 else { throw ToolError.usage("invalid process id: '\(text)'") }
        do { namespace = try NetNamespace(pid: p, procRoot: ctx.procfs.root) }
        catch {
            let why = error.rawValue == EPERM ? "\(error.message) (joining another network namespace needs CAP_SYS_ADMIN)" : error.message
            throw ToolError.failure("\(ctx.procfs.root)/\(p)/ns/net: \(why)")
        }
        files = ResolverFiles.load(rootPath: "\(ctx.procfs.root)/\(p)/root")
        pid = p
        for n in files.notes { ctx.note(n) }
    }

    func hostResolver(explain: ((String) -> Void)? = nil) -> HostResolver {
        var r = HostResolver(files: files, namespace: namespace)
        r.explain = explain
        return r
    }
}

/// bind's dig/host/nslookup print a server as ADDR#PORT.
func serverText(_ s: SocketAddress) -> String { "\(s.host)#\(s.port)" }

/// strftime(3) of the current local time.
func localTimeText(_ format: String) -> String {
    var t = time(nil)
    var tmv = tm()
    localtime_r(&t, &tmv)
    var buf = [CChar](repeating: 0, count: 128)
    let n = strftime(&buf, buf.count, format, &tmv)
    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Parses a decimal option value in `range`, or a usage error.
func numberOption(_ spec: AppletSpec, _ name: String, _ text: String, _ range: ClosedRange<Int>) throws -> Int {
    guard let v = Int(text), range.contains(v) else { throw spec.usageError("invalid \(name): '\(text)'") }
    return v
}

/// The DNS client host and nslookup use: the SERVER operand (a literal or a
/// name resolved as the target would), else the target's resolv.conf.
/// Returns nil after printing bind's message when SERVER has no address.
func lookupClient(_ ctx: Context, _ target: NetTarget, server: String?, port: UInt16, timeoutSecs: Int?, tries: Int?,
                  useTCP: Bool) -> (DNSClient, label: String)? {
    let conf = target.files.conf
    var servers: [SocketAddress]
    var label: String
    if let s = server {
        if let lit = SocketAddress(literal: s, port: port) { servers = [lit] }
        else if case .success(let a) = target.hostResolver().resolve(s) { servers = a.map { SocketAddress(address: $0, port: port) } }
        else {
            ctx.err.write(";; couldn't get address for '\(s)': not found\n")
            return nil
        }
        label = s
    } else {
        servers = conf.nameservers.compactMap { SocketAddress(literal: $0, port: port) }
        label = servers.first?.host ?? ""
    }
    let c = DNSClient(namespace: target.namespace, servers: servers, timeoutMs: Int64(timeoutSecs ?? conf.timeout) * 1000,
                      attempts: tries ?? conf.attempts, udpSize: conf.edns0 ? 1232 : nil)
    c.forceTCP = useTCP
    if server == nil && conf.rotate { c.servers.shuffle() }
    return (c, label)
}

/// Owner names as host and nslookup print them: without the final dot.
func bareName(_ n: String) -> String { n.count > 1 && n.hasSuffix(".") ? String(n.dropLast()) : n }
