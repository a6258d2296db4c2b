import ToolboxCore

let ncApplet = Applet(spec: AppletSpec(
    name: "nc",
    summary: "Connect to or listen on TCP/UDP ports as netcat-openbsd, from the target's network namespace",
    usage: ["[-46knuvz] [-w SECS] [-q SECS] [-p PORT] [--pid PID] [--explain] HOST PORT[-PORT]...",
            "-l [-46knuv] [-p PORT] [HOST] [PORT]"],
    details: """
    With -z, reports whether each port accepts a connection; a range
    (80-90) is scanned with parallel non-blocking connects, reported in port
    order. Messages follow netcat-openbsd: "Connection to HOST PORT port
    [tcp/NAME] succeeded!" with -v, "connect to HOST port PORT (tcp) failed:
    Connection refused" (an RST: nothing listens, or a REJECT rule), "timed
    out: Operation now in progress" (no answer to the SYN within -w: a
    firewall or NetworkPolicy that drops), "No route to host"/"Network is
    unreachable" (routing), and getaddrinfo's wording when the name does
    not resolve. --explain adds the reason in words.
    Without -z, copies stdin to the connection and the connection to stdout.
    Exit status 0 when any connection succeeded, else 1.
    """,
    options: [
        .flag("4", nil, "IPv4 only"),
        .flag("6", nil, "IPv6 only"),
        .flag("k", nil, "with -l, keep listening after a client leaves"),
        .flag("l", nil, "listen for an incoming connection"),
        .flag("n", nil, "numeric addresses only: no name or service lookups"),
        .value("p", nil, "PORT", "source port (listening port with -l)"),
        .value("q", nil, "SECS", "after EOF on stdin, wait SECS then quit"),
        .flag("u", nil, "UDP instead of TCP"),
        .flag("v", nil, "verbose: report each connection"),
        .value("w", nil, "SECS", "connect timeout and idle timeout"),
        .flag("z", nil, "scan: connect and close, send no data"),
        .value(nil, "pid", "PID", "connect from PID's network namespace, resolve with its resolver files"),
        .flag(nil, "explain", "say what each failure means"),
    ]), run: runNc)

struct NcSettings {
    var family: Int32 = AF_UNSPEC
    var udp = false, verbose = false, scan = false, numeric = false, explain = false
    var timeoutMs: Int64? = nil
    var quitAfter: Int? = nil
    var sourcePort: UInt16? = nil
    var services = ServicesFile()
    var proto: String { udp ? "udp" : "tcp" }
}

/// netcat's service column: `[tcp/http]`, `[tcp/*]` when unnamed or -n.
func ncServiceName(_ s: NcSettings, _ port: UInt16) -> String {
    s.numeric ? "*" : (s.services.name(port: port, proto: s.proto) ?? "*")
}

/// What a connect error means on the wire (for --explain).
func ncExplanation(_ e: Errno) -> String {
    switch e.rawValue {
    case ECONNREFUSED: return "the host answered with a reset (RST): nothing listens on that port, or a firewall rule rejects it"
    case ETIMEDOUT: return "no answer to the SYN before the timeout: a firewall or NetworkPolicy drops the packets, or the host is down"
    case EHOSTUNREACH: return "no route to the host, or the neighbour (ARP/NDP) does not answer"
    case ENETUNREACH: return "no route to that network from this namespace"
    case EINVAL: return "the route for this address is a blackhole or the address cannot be used"
    default: return e.description
    }
}

@Sendable
func runNc(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = ncApplet.spec
    let p = try spec.parse(args)
    var s = NcSettings()
    if p.has("4") { s.family = AF_INET }
    if p.has("6") { s.family = AF_INET6 }
    s.udp = p.has("u"); s.verbose = p.has("v"); s.scan = p.has("z"); s.numeric = p.has("n"); s.explain = p.has("explain")
    if let w = p.value("w") { s.timeoutMs = Int64(try numberOption(spec, "timeout", w, 0...86400)) * 1000 }
    if let q = p.value("q") { s.quitAfter = try numberOption(spec, "quit timeout", q, -1...86400) }
    let target = try NetTarget(ctx, pid: p.value("pid"))
    let root = target.pid.map { "\(ctx.procfs.root)/\($0)/root" }
    // /etc/services names ports in -v/--explain lines and turns named ports
    // into numbers; a quiet scan of numeric ports does not read it.
    let named = p.operands.dropFirst(p.has("l") ? 0 : 1).contains { $0.contains { !($0.isASCII && $0.isNumber) && $0 != "-" } }
        || (p.value("p")?.contains { !($0.isASCII && $0.isNumber) } ?? false)
    if !s.numeric && (s.verbose || s.explain || named) {
        var rootFD: FileDescriptor? = nil
        if let root { rootFD = try? FileDescriptor.open(root, O_PATH | O_DIRECTORY) }
        if let bytes = try? readTargetFile(root: rootFD, "/etc/services", cap: 1 << 20) { s.services = ServicesFile.parse(bytes) }
        rootFD?.close()
    }
    func port(_ text: String) throws -> UInt16 {
        if let v = UInt16(text), v > 0 { return v }
        if !s.numeric, let v = s.services.port(named: text, proto: s.proto) { return v }
        throw ToolError.failure("port number invalid: \(text)")
    }
    if let sp = p.value("p") { s.sourcePort = try port(sp) }

    if p.has("l") {
        var ops = p.operands
        var lport = s.sourcePort
        if lport == nil, let last = ops.last { lport = try port(last); ops.removeLast() }
        guard let lp = lport else { throw spec.usageError("missing port number") }
        return try ncListen(ctx, s, target, host: ops.first, port: lp, keep: p.has("k"))
    }
    guard p.operands.count >= 2 else { throw spec.usageError("missing hostname and port") }
    let host = p.operands[0]
    var ports: [UInt16] = []
    for spec in p.operands.dropFirst() {
        if (try? port(spec)) == nil, let dash = spec.firstIndex(of: "-"), dash != spec.startIndex {
            let lo = try port(String(spec[..<dash])), hi = try port(String(spec[spec.index(after: dash)...]))
            let (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
            for v in a...b { ports.append(v) }
        } else {
            ports.append(try port(spec))
        }
    }

    // Resolve the host as the application would (getaddrinfo wording on failure).
    var addrs: [[UInt8]]
    let literal = parseIPv4(host) ?? parseIPv6(host)
    if let literal { addrs = [literal] }
    else if s.numeric {
        ctx.err.write("nc: getaddrinfo for host \"\(host)\" port \(ports.first ?? 0): Name or service not known\n")
        return 1
    } else {
        var trace: [String] = []
        let r = target.hostResolver(explain: s.explain ? { trace.append($0) } : nil).resolve(host, family: s.family)
        for t in trace { ctx.err.write("nc: resolve: \(t)\n") }
        switch r {
        case .success(let a): addrs = a
        case .failure(let f):
            ctx.err.write("nc: getaddrinfo for host \"\(host)\" port \(ports.first ?? 0): \(f.gaiMessage)\n")
            return 1
        }
    }
    if s.family != AF_UNSPEC { addrs = addrs.filter { ($0.count == 16) == (s.family == AF_INET6) } }
    let hostLabel = literal != nil ? host : nil

    if s.scan || ports.count > 1 {
        return ncScan(ctx, s, target, host: host, hostLabel: hostLabel, addrs: addrs, ports: ports)
    }
    // One connection, then relay.
    for a in addrs {
        let sa = SocketAddress(address: a, port: ports[0])
        switch ncConnect(s, target, sa) {
        case .success(let fd):
            if s.verbose { ctx.err.write("Connection to \(host)\(hostLabel == nil ? " (\(sa.host))" : "") \(ports[0]) port [\(s.proto)/\(ncServiceName(s, ports[0]))] succeeded!\n") }
            defer { fd.close() }
            ctx.out.flush()
            return ncRelay(ctx, s, fd)
        case .failure(let e):
            ncReportFailure(ctx, s, host: host, hostLabel: hostLabel, addr: sa, error: e)
        }
    }
    return 1
}

func ncReportFailure(_ ctx: Context, _ s: NcSettings, host: String, hostLabel: String?, addr: SocketAddress, error e: Errno) {
    ctx.err.write(ncFailureText(s, host: host, hostLabel: hostLabel, addr: addr, error: e))
}

/// netcat's message for a failed connect ("" without -v or --explain:
/// netcat reports connect failures only with -v; the exit status says it otherwise).
func ncFailureText(_ s: NcSettings, host: String, hostLabel: String?, addr: SocketAddress, error e: Errno) -> String {
    if !s.verbose && !s.explain { return "" }
    let who = hostLabel == nil ? "\(host) (\(addr.host))" : host
    var t = e.rawValue == ETIMEDOUT
        ? "nc: connect to \(who) port \(addr.port) (\(s.proto)) timed out: Operation now in progress\n"
        : "nc: connect to \(who) port \(addr.port) (\(s.proto)) failed: \(e.description)\n"
    if s.explain { t += "nc: \(who) port \(addr.port): \(ncExplanation(e))\n" }
    return t
}

/// Opens a socket in the target namespace, bound to -p if given, and
/// connects it (TCP: within -w; UDP: connect only sets the peer).
func ncConnect(_ s: NcSettings, _ target: NetTarget, _ sa: SocketAddress) -> Result<FileDescriptor, Errno> {
    do {
        let fd = try target.namespace.socket(sa.family, Int32(s.udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        if let sp = s.sourcePort {
            _ = cshim_set_int_option(fd.rawValue, SOL_SOCKET, SO_REUSEADDR, 1)
            let any = SocketAddress(address: [UInt8](repeating: 0, count: sa.address.count), port: sp)
            if any.withSockaddr({ Glibc.bind(fd.rawValue, $0, $1) }) != 0 { let e = Errno.current; fd.close(); return .failure(e) }
        }
        do { try fd.connect(to: sa, deadline: s.timeoutMs.map { monotonicMillis() + $0 }) }
        catch { fd.close(); return .failure(error) }
        if s.udp && s.scan {
            // netcat's udptest: a few one-byte writes; an ICMP port
            // unreachable makes a later one fail with ECONNREFUSED.
            for _ in 0...3 {
                if Glibc.send(fd.rawValue, "X", 1, Int32(MSG_NOSIGNAL)) != 1 { let e = Errno.current; fd.close(); return .failure(e) }
            }
        }
        fd.setNonBlocking(false)
        return .success(fd)
    } catch { return .failure(error) }
}

/// Scans ports with up to `window` non-blocking connects in flight,
/// printing results in port order as netcat's sequential loop would.
func ncScan(_ ctx: Context, _ s: NcSettings, _ target: NetTarget, host: String, hostLabel: String?, addrs: [[UInt8]], ports: [UInt16]) -> Int32 {
    var anyOK = false
    guard let a = addrs.first else { return 1 }
    if s.udp {
        for port in ports {
            let sa = SocketAddress(address: a, port: port)
            switch ncConnect(s, target, sa) {
            case .success(let fd):
                fd.close(); anyOK = true
                if s.verbose { ctx.err.write("Connection to \(host)\(hostLabel == nil ? " (\(sa.host))" : "") \(port) port [udp/\(ncServiceName(s, port))] succeeded!\n") }
            case .failure(let e): ncReportFailure(ctx, s, host: host, hostLabel: hostLabel, addr: sa, error: e)
            }
        }
        return anyOK ? 0 : 1
    }
    var limit = rlimit()
    getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    let results = ScanResults(count: ports.count)
    // Workers take interleaved ports, each with up to `window` connects in
    // flight. The kernel's per-connect work dominates a loopback or LAN
    // scan, so a long range is split over two cores when there are two
    // (bench/results/net.md; TOOLBOX_NC_WORKERS overrides, as
    // TOOLBOX_PS_THREADS does for ps).
    let workers = ncWorkerCount(ports.count)
    let window = max(1, min(512, (Int(limit.rlim_cur) - 16) / workers))
    var threads: [BackgroundThread] = []
    for w in 1..<workers {
        let idx = Array(stride(from: w, to: ports.count, by: workers))
        threads.append(BackgroundThread { ncScanWorker(s, target, a, ports, idx, window, results) })
    }
    ncScanWorker(s, target, a, ports, Array(stride(from: 0, to: ports.count, by: workers)), window, results)
    for t in threads { t.join() }
    // The report goes through the buffered writer as bytes (not flushed per line).
    for i in 0..<ports.count {
        let sa = SocketAddress(address: a, port: ports[i])
        if let e = results.errors[i] {
            if s.verbose || s.explain { ctx.err.write(Array(ncFailureText(s, host: host, hostLabel: hostLabel, addr: sa, error: e).utf8)) }
        } else {
            anyOK = true
            if s.verbose { ctx.err.write(Array("Connection to \(host)\(hostLabel == nil ? " (\(sa.host))" : "") \(ports[i]) port [tcp/\(ncServiceName(s, ports[i]))] succeeded!\n".utf8)) }
        }
    }
    ctx.err.flush()
    return anyOK ? 0 : 1
}

func ncWorkerCount(_ ports: Int) -> Int {
    if let e = getenv("TOOLBOX_NC_WORKERS"), let v = Int(String(cString: e)), v >= 1 { return min(v, 16, ports) }
    if ports < 256 { return 1 }
    return max(1, min(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 2))
}

/// A TCP socket connected to itself: a connect from local port P to P on
/// a local address (TCP's simultaneous open). The worker's bound port is
/// in the ephemeral range a scan may cover, and a kernel-chosen one can
/// hit it by chance (netcat then reports a random open port); nothing
/// listens there, so the scan reports it refused.
func ncSelfConnected(_ fd: Int32) -> Bool {
    var a = sockaddr_storage(), b = sockaddr_storage()
    var la = socklen_t(MemoryLayout<sockaddr_storage>.size), lb = la
    let ra = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &la) } }
    let rb = withUnsafeMutablePointer(to: &b) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &lb) } }
    guard ra == 0, rb == 0, let x = SocketAddress(storage: a), let y = SocketAddress(storage: b) else { return false }
    return x.port == y.port && x.address == y.address
}

/// A port free for binding in the target's namespace (the kernel's pick for
/// a probe socket bound to port 0), nil when none can be had.
func ncFreePort(_ target: NetTarget, _ family: Int32) -> UInt16? {
    guard let probe = try? target.namespace.socket(family, Int32(SOCK_STREAM.rawValue), 0) else { return nil }
    defer { probe.close() }
    let any = SocketAddress(address: [UInt8](repeating: 0, count: family == AF_INET6 ? 16 : 4), port: 0)
    guard any.withSockaddr({ Glibc.bind(probe.rawValue, $0, $1) }) == 0 else { return nil }
    var ss = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let r = withUnsafeMutablePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe.rawValue, $0, &len) } }
    guard r == 0, let bound = SocketAddress(storage: ss), bound.port != 0 else { return nil }
    return bound.port
}

/// Per-port outcome of a scan, written by the workers at disjoint indices.
/// A fixed buffer, not an Array: two workers storing into one Array would
/// race on its storage (uniqueness check, copy-on-write) even at distinct
/// indices.
final class ScanResults: @unchecked Sendable {
    let errors: UnsafeMutableBufferPointer<Errno?>
    init(count: Int) {
        errors = .allocate(capacity: count)
        errors.initialize(repeating: nil)
    }
    deinit { _ = errors.deinitialize(); errors.deallocate() }
}

/// Connects to `ports[i]` for each i in `indices` with non-blocking
/// connects, up to `window` in flight, each bounded by -w.
///
/// Linux lets a TCP socket whose connect failed be connected again, so a
/// refused port costs one socket less: the socket goes on to the next port.
/// After EINPROGRESS the connect is asked again at once: on loopback and
/// for local errors the RST is already processed (connect returns its
/// error, or 0 when connected) and no poll is needed; EALREADY means a
/// real handshake in flight, polled with the others. A polled socket's
/// outcome is also read with connect (not SO_ERROR), which leaves a failed
/// socket reusable.
func ncScanWorker(_ s: NcSettings, _ target: NetTarget, _ a: [UInt8], _ ports: [UInt16], _ indices: [Int], _ window: Int, _ results: ScanResults) {
    var next = 0
    var inflight: [(index: Int, fd: Int32, deadline: Int64?)] = []
    var pfds: [pollfd] = []
    var spare: Int32 = -1   // a socket whose connect failed: reusable
    defer { if spare >= 0 { _ = Glibc.close(spare) } }
    let family = a.count == 16 ? AF_INET6 : AF_INET
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
    var sa = SocketAddress(address: a, port: 1)
    // One source port for the worker's sockets, bound explicitly: a socket
    // whose port the kernel chose gives it back when a connect fails and
    // has it searched again on the next (the per-netns port table, shared
    // by the workers); an explicitly bound one keeps it (SOCK_BINDPORT_LOCK).
    // A C loop of 1,000 refused loopback connects: 15.2 -> 12.3 ms. Any
    // trouble with it (in use, a 4-tuple taken) and the worker goes on
    // with kernel-chosen ports.
    var fixedPort = ncFreePort(target, family)
    let anyAddress = [UInt8](repeating: 0, count: a.count)
    /// Asks connect for the outcome on fd; false while still in progress.
    func outcome(_ fd: Int32, _ index: Int) -> Bool {
        sa.port = ports[index]
        let r = sa.withSockaddr { Glibc.connect(fd, $0, $1) }
        let e = r == 0 ? 0 : errno
        switch e {
        case 0, EISCONN:
            results.errors[index] = ncSelfConnected(fd) ? Errno(ECONNREFUSED) : nil; _ = Glibc.close(fd)
        case EINPROGRESS, EALREADY:
            return false
        default:
            results.errors[index] = Errno(e)
            if spare < 0 { spare = fd } else { _ = Glibc.close(fd) }
        }
        return true
    }
    while next < indices.count || !inflight.isEmpty {
        while inflight.count < window && next < indices.count {
            let i = indices[next]; next += 1
            var fd = spare; spare = -1
            var reused = fd >= 0
            while true {
                if fd < 0 {
                    do { fd = try target.namespace.socket(family, type, 0).rawValue }
                    catch { results.errors[i] = error; break }
                    if let p = fixedPort {
                        let bound = SocketAddress(address: anyAddress, port: p)
                        _ = cshim_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)
                        if bound.withSockaddr({ Glibc.bind(fd, $0, $1) }) != 0 { fixedPort = nil; _ = Glibc.close(fd); fd = -1; continue }
                    }
                }
                sa.port = ports[i]
                let r = sa.withSockaddr { Glibc.connect(fd, $0, $1) }
                let e = r == 0 ? 0 : errno
                if fixedPort != nil && (e == EADDRNOTAVAIL || e == EADDRINUSE) {
                    // The bound port's 4-tuple is taken (a TIME_WAIT of an
                    // earlier scan): kernel-chosen ports from now on.
                    fixedPort = nil; _ = Glibc.close(fd); fd = -1; reused = false; continue
                }
                if reused && (e == EINVAL || e == EISCONN || e == EALREADY || e == ECONNABORTED || e == EADDRNOTAVAIL) {
                    // Not reusable after all: a fresh socket for this port.
                    _ = Glibc.close(fd); fd = -1; reused = false; continue
                }
                if e == 0 { results.errors[i] = ncSelfConnected(fd) ? Errno(ECONNREFUSED) : nil; _ = Glibc.close(fd) }
                else if e == EINPROGRESS {
                    if !outcome(fd, i) { inflight.append((i, fd, s.timeoutMs.map { monotonicMillis() + $0 })) }
                } else {
                    results.errors[i] = Errno(e)
                    if spare < 0 { spare = fd } else { _ = Glibc.close(fd) }
                }
                break
            }
        }
        if inflight.isEmpty { continue }
        pfds.removeAll(keepingCapacity: true)
        var wait: Int64 = -1
        let now = monotonicMillis()
        for f in inflight {
            pfds.append(pollfd(fd: f.fd, events: Int16(POLLOUT), revents: 0))
            if let d = f.deadline { wait = wait < 0 ? max(0, d - now) : min(wait, max(0, d - now)) }
        }
        _ = Glibc.poll(&pfds, nfds_t(pfds.count), Int32(min(wait, Int64(Int32.max))))
        let after = monotonicMillis()
        var k = 0
        var keep: [(index: Int, fd: Int32, deadline: Int64?)] = []
        for f in inflight {
            let ev = pfds[k].revents; k += 1
            if ev != 0 && outcome(f.fd, f.index) { continue }
            if let d = f.deadline, after >= d {
                results.errors[f.index] = Errno(ETIMEDOUT); _ = Glibc.close(f.fd)
            } else { keep.append(f) }
        }
        inflight = keep
    }
}

/// Copies stdin to the socket and the socket to stdout until the peer
/// closes (and, after EOF on stdin, at most -q seconds more).
func ncRelay(_ ctx: Context, _ s: NcSettings, _ fd: FileDescriptor) -> Int32 {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buf.deallocate() }
    var stdinOpen = true
    var quitAt: Int64? = nil
    var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)]
    while true {
        fds[0].fd = stdinOpen ? 0 : -1
        var wait: Int64 = s.timeoutMs ?? -1
        if let q = quitAt { let left = max(0, q - monotonicMillis()); wait = wait < 0 ? left : min(wait, left) }
        let r = Glibc.poll(&fds, 2, Int32(min(wait, Int64(Int32.max))))
        if r < 0 { if errno == EINTR { continue }; return 1 }
        if r == 0 {
            if let q = quitAt, monotonicMillis() >= q { return 0 }
            if s.timeoutMs != nil { return 0 }   // idle timeout (-w)
            continue
        }
        if fds[1].revents != 0 {
            let n = Glibc.read(fd.rawValue, buf.baseAddress, buf.count)
            if n <= 0 { return 0 }
            do { try FileDescriptor.standardOutput.writeAll(UnsafeRawBufferPointer(rebasing: buf[0..<n])) }
            catch { return error.rawValue == EPIPE ? 0 : 1 }
        }
        if stdinOpen && fds[0].revents != 0 {
            let n = Glibc.read(0, buf.baseAddress, buf.count)
            if n <= 0 {
                stdinOpen = false
                if let q = s.quitAfter, q >= 0 {
                    if !s.udp { _ = shutdown(fd.rawValue, Int32(SHUT_WR)) }
                    quitAt = monotonicMillis() + Int64(q) * 1000
                }
                continue
            }
            do { try fd.sendAll(UnsafeRawBufferPointer(rebasing: buf[0..<n]), deadline: nil) }
            catch { return 1 }
        }
    }
}

/// -l: binds, accepts (TCP) or waits for the first datagram (UDP), relays.
func ncListen(_ ctx: Context, _ s: NcSettings, _ target: NetTarget, host: String?, port: UInt16, keep: Bool) throws -> Int32 {
    var bindAddr: [UInt8]
    if let h = host {
        guard let a = parseIPv4(h) ?? parseIPv6(h) else { throw ToolError.failure("\(h): numeric listen addresses only") }
        bindAddr = a
    } else { bindAddr = [UInt8](repeating: 0, count: s.family == AF_INET6 ? 16 : 4) }
    let sa = SocketAddress(address: bindAddr, port: port)
    let fd: FileDescriptor
    do { fd = try target.namespace.socket(sa.family, Int32(s.udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0) }
    catch { throw ToolError.failure("socket", error) }
    defer { fd.close() }
    _ = cshim_set_int_option(fd.rawValue, SOL_SOCKET, SO_REUSEADDR, 1)
    if sa.withSockaddr({ Glibc.bind(fd.rawValue, $0, $1) }) != 0 { throw ToolError.failure("bind", Errno.current) }
    if s.udp {
        var from = sockaddr_storage(); var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &from) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.recvfrom(fd.rawValue, nil, 0, Int32(MSG_PEEK), $0, &len) }
        }
        if n < 0 { throw ToolError.failure("recvfrom", Errno.current) }
        if let peer = SocketAddress(storage: from) {
            _ = peer.withSockaddr { Glibc.connect(fd.rawValue, $0, $1) }
            if s.verbose { ctx.err.write("Connection received on \(peer.host) \(peer.port)\n") }
        }
        return ncRelay(ctx, s, fd)
    }
    if Glibc.listen(fd.rawValue, keep ? 16 : 1) != 0 { throw ToolError.failure("listen", Errno.current) }
    if s.verbose { ctx.err.write("Listening on \(host ?? "0.0.0.0") \(port)\n") }
    repeat {
        var from = sockaddr_storage(); var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let c = withUnsafeMutablePointer(to: &from) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd.rawValue, $0, &len) }
        }
        if c < 0 { if errno == EINTR { continue }; throw ToolError.failure("accept", Errno.current) }
        let conn = FileDescriptor(rawValue: c)
        if s.verbose, let peer = SocketAddress(storage: from) { ctx.err.write("Connection received on \(peer.host) \(peer.port)\n") }
        ctx.out.flush()
        _ = ncRelay(ctx, s, conn)
        conn.close()
    } while keep
    return 0
}
