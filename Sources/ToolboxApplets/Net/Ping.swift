import ToolboxCore

let pingApplet = Applet(spec: AppletSpec(
    name: "ping",
    summary: "Send ICMP echo requests as iputils ping, from the target's network namespace",
    usage: ["[-46nq] [-c COUNT] [-i SECS] [-W SECS] [-w SECS] [-s SIZE] [--pid PID] HOST"],
    details: """
    Prints iputils' lines: "PING HOST (ADDR) 56(84) bytes of data.", one
    line per reply (or ICMP error), then the statistics and rtt
    min/avg/max/mdev. Uses an unprivileged datagram ICMP socket when the
    gid is inside net.ipv4.ping_group_range of the namespace, else a raw
    socket (CAP_NET_RAW); says which is missing when neither opens. HOST is
    resolved with the target's /etc/hosts and resolv.conf.
    Exit status 0 when a reply came, 1 when none did (or, with -w and -c,
    fewer than COUNT), 2 on other errors.
    """,
    options: [
        .flag("4", nil, "IPv4 only"),
        .flag("6", nil, "IPv6 only"),
        .value("c", nil, "COUNT", "stop after COUNT requests"),
        .value("i", nil, "SECS", "seconds between requests (default 1)"),
        .flag("n", nil, "numeric output: no reverse lookups"),
        .flag("q", nil, "quiet: only the first line and the statistics"),
        .value("s", nil, "SIZE", "data bytes per request (default 56)"),
        .value("W", nil, "SECS", "seconds to wait for a reply when none came (default 10)"),
        .value("w", nil, "SECS", "exit after SECS seconds, whatever was sent or received"),
        .value(nil, "pid", "PID", "ping from PID's network namespace, resolve with its resolver files"),
    ]), run: runPing)

/// Set by SIGINT/SIGALRM: finish with the statistics, as iputils does.
nonisolated(unsafe) var pingInterrupted: sig_atomic_t = 0

/// Parses a seconds value (decimal fraction allowed) into microseconds.
func pingSeconds(_ spec: AppletSpec, _ name: String, _ text: String) throws -> Int64 {
    guard let v = Double(text), v >= 0, v < 1e7 else { throw spec.usageError("invalid \(name): '\(text)'") }
    return Int64(v * 1_000_000)
}

@Sendable
func runPing(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = pingApplet.spec
    let p = try spec.parse(args)
    guard p.operands.count == 1 else { throw spec.usageError(p.operands.isEmpty ? "Destination address required" : "too many operands") }
    let host = p.operands[0]
    let count = try p.value("c").map { try numberOption(spec, "count", $0, 1...Int(Int32.max)) }
    let interval = try p.value("i").map { try pingSeconds(spec, "interval", $0) } ?? 1_000_000
    if interval < 2000 && getuid() != 0 {
        throw spec.usageError("cannot flood, minimal interval for user must be >= 2 ms, use -i 0.002 (or higher)")
    }
    let linger = try p.value("W").map { try pingSeconds(spec, "timeout", $0) } ?? 10_000_000
    let deadline = try p.value("w").map { Int64(try numberOption(spec, "deadline", $0, 0...Int(Int32.max))) * 1_000_000 }
    let size = try p.value("s").map { try numberOption(spec, "packet size", $0, 0...65507) } ?? 56
    let quiet = p.has("q")
    let family = p.has("6") ? AF_INET6 : p.has("4") ? AF_INET : AF_UNSPEC
    let target = try NetTarget(ctx, pid: p.value("pid"))

    // The destination, resolved as the target would (first address wins).
    let literal = parseIPv4(host) ?? parseIPv6(host)
    let addr: [UInt8]
    switch target.hostResolver().resolve(host, family: family) {
    case .success(let a) where !a.isEmpty: addr = a[0]
    case .success:
        ctx.err.write("ping: \(host): Address family for hostname not supported\n")
        return 2
    case .failure(let f):
        ctx.err.write("ping: \(host): \(f.gaiMessage)\n")
        return 2
    }
    let numeric = p.has("n") || literal != nil
    let dest = SocketAddress(address: addr, port: 0)
    let v6 = dest.isV6

    let sock: ICMPSocket
    switch ICMPSocket.open(in: target.namespace, v6: v6) {
    case .success(let s): sock = s
    case .failure(let e):
        let range = target.pid == nil ? pingGroupRange(procRoot: ctx.procfs.root).map { " (\($0))" } ?? "" : ""
        ctx.err.write("ping: socket: \(e.raw.message): no ICMP socket: the datagram one needs gid \(getgid()) inside net.ipv4.ping_group_range\(range) (\(e.datagram.message)), the raw one CAP_NET_RAW\n")
        return 2
    }

    let timing = size >= 16   // iputils: room for a struct timeval
    // iputils prints getaddrinfo's canonical name (a hosts line's first name).
    let shown = literal == nil ? target.files.hosts.lookup(host, v6: v6)?.canonical ?? host : host
    if v6 { ctx.out.write("PING \(shown)(\(dest.host)) \(size) data bytes\n") }
    else { ctx.out.write("PING \(shown) (\(dest.host)) \(size)(\(size + 28)) bytes of data.\n") }
    ctx.out.flush()

    // Reverse names for -n-less output: the target's hosts file (iputils'
    // getnameinfo would also ask DNS).
    func who(_ a: SocketAddress) -> String {
        if numeric { return a.host }
        return "\(target.files.hosts.name(for: a.address) ?? a.host) (\(a.host))"
    }

    pingInterrupted = 0
    signal(SIGINT) { _ in pingInterrupted = 1 }
    defer { signal(SIGINT, SIG_DFL) }

    var sent = 0, received = 0, duplicates = 0, errors = 0
    var tmin = Int64.max, tmax: Int64 = 0, tsum: Int64 = 0, tsum2: Int64 = 0
    var seen = [UInt8](repeating: 0, count: 8192)   // one bit per sequence number
    var buf = [UInt8](repeating: 0, count: max(size + 8 + 60, 1500))
    var payload = [UInt8](repeating: 0, count: size)
    for i in 0..<size { payload[i] = UInt8(truncatingIfNeeded: i) }
    let start = monotonicMicros()
    var nextSend = start
    var exitAt: Int64? = deadline.map { start + $0 }
    var lingerSet = false

    func line(_ s: String) { if !quiet { ctx.out.write(s); ctx.out.flush() } }

    while pingInterrupted == 0 {
        var now = monotonicMicros()
        if let c = count, received + errors >= c { break }
        if deadline != nil && errors > 0 { break }
        if let e = exitAt, now >= e { break }
        // With -w, COUNT counts replies, not requests: sending goes on.
        let more = count == nil || deadline != nil || sent < count!
        if now >= nextSend && more {
            let seq = UInt16(truncatingIfNeeded: sent + 1)
            // A reused sequence number (after 65,536 requests) is not a
            // duplicate of the old one: clear its bit (iputils rcvd_clear).
            seen[Int(seq) >> 3] &= ~(1 << (Int(seq) & 7))
            if timing {
                var t = UInt64(bitPattern: now)
                for k in 0..<8 { payload[k] = UInt8(truncatingIfNeeded: t); t >>= 8 }
            }
            let packet = ICMPPacket.request(v6: v6, identifier: sock.identifier, sequence: seq, data: payload)
            do { try sock.send(packet, to: dest) }
            catch {
                // iputils reports a local send error and counts it as sent.
                ctx.err.write("ping: sendmsg: \(error.message)\n")
                if deadline != nil { errors += 1 }
            }
            sent += 1
            nextSend += interval
            if nextSend < now { nextSend = now + interval }
        }
        if let c = count, sent >= c, !lingerSet, deadline == nil {
            // iputils schedule_exit: twice the slowest reply (at least one
            // interval) after the last request, or -W when none came back.
            lingerSet = true
            exitAt = now + (received > 0 ? max(2 * tmax, interval) : linger)
        }
        var wait: Int64 = more ? max(0, nextSend - now) : Int64.max
        if let e = exitAt { wait = min(wait, max(0, e - now)) }
        let ms = wait == Int64.max ? Int32(-1) : Int32(min((wait + 999) / 1000, Int64(Int32.max)))
        var pfd = pollfd(fd: sock.fd.rawValue, events: Int16(POLLIN), revents: 0)
        let r = poll(&pfd, 1, ms)
        if r <= 0 { continue }
        now = monotonicMicros()
        if pfd.revents & Int16(POLLERR) != 0, let e = sock.receiveError() {
            errors += 1
            line("From \(who(e.from)) icmp_seq=\(e.sequence) \(ICMPPacket.errorText(type: e.type, code: e.code, v6: v6))\n")
        }
        while let (n, from, ttl) = try? sock.receive(into: &buf) {
            guard let pkt = ICMPPacket.parse(Array(buf[0..<n]), v6: v6, withIPHeader: sock.raw && !v6) else { continue }
            if sock.raw && pkt.identifier != sock.identifier { continue }
            switch pkt.kind {
            case .error(let type, let code, let seq):
                errors += 1
                line("From \(who(from)) icmp_seq=\(seq) \(ICMPPacket.errorText(type: type, code: code, v6: v6))\n")
            case .reply(let seq, let off):
                let bit = Int(seq), dup = seen[bit >> 3] & (1 << (bit & 7)) != 0
                seen[bit >> 3] |= 1 << (bit & 7)
                var rtt: Int64 = 0
                if timing && n >= off + 8 {
                    var t: UInt64 = 0
                    for k in (0..<8).reversed() { t = t << 8 | UInt64(buf[off + k]) }
                    // The timestamp comes back from the network: a reply
                    // whose data is not ours (a middlebox, a forged reply)
                    // counts as 0, never as a negative or huge time.
                    let sentAt = Int64(bitPattern: t)
                    rtt = sentAt > 0 && sentAt <= now ? min(now - sentAt, 1 << 31) : 0
                }
                if dup { duplicates += 1 } else {
                    received += 1
                    if timing { tmin = min(tmin, rtt); tmax = max(tmax, rtt) }
                }
                if timing { tsum &+= rtt; tsum2 &+= rtt * rtt }   // rtt <= 2^31 µs: rtt*rtt fits
                var s = "\(pkt.length) bytes from \(who(from)): icmp_seq=\(seq)"
                if let t = pkt.ttl ?? (ttl >= 0 ? ttl : nil) { s += " ttl=\(t)" }
                if timing { s += " time=\(pingTime(rtt)) ms" }
                if dup { s += " (DUP!)" }
                line(s + "\n")
            }
        }
    }

    // finish(): the statistics as iputils prints them.
    let elapsed = (monotonicMicros() - start + 500) / 1000
    var s = "\n--- \(shown) ping statistics ---\n\(sent) packets transmitted, \(received) received"
    if duplicates > 0 { s += ", +\(duplicates) duplicates" }
    if errors > 0 { s += ", +\(errors) errors" }
    if sent > 0 { s += ", \(gText(Double(sent - received) * 100 / Double(sent)))% packet loss, time \(elapsed)ms" }
    s += "\n"
    if received > 0 && timing {
        let n = Int64(received + duplicates)
        let avg = tsum / n
        let variance = Double(tsum2 / n) - Double(avg) * Double(avg)
        let mdev = variance > 0 && variance.isFinite ? Int64(min(variance.squareRoot(), 1e15)) : 0
        func ms(_ v: Int64) -> String { "\(v / 1000).\(pad3(v % 1000))" }
        s += "rtt min/avg/max/mdev = \(ms(tmin))/\(ms(avg))/\(ms(tmax))/\(ms(mdev)) ms"
    }
    ctx.out.write(s + "\n")
    if received == 0 { return 1 }
    if deadline != nil, let c = count, received < c { return 1 }
    return 0
}

func pad3(_ v: Int64) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }

/// iputils' reply time: 3 decimals below 1 ms, 2 below 10, 1 below 100.
func pingTime(_ us: Int64) -> String {
    if us >= 100_000 - 50 { return "\((us + 500) / 1000)" }
    if us >= 10_000 - 5 { return "\((us + 50) / 1000).\(((us + 50) % 1000) / 100)" }
    if us >= 1000 { let v = us + 5; return "\(v / 1000).\(pad3(v % 1000).prefix(2))" }
    return "\(us / 1000).\(pad3(us % 1000))"
}
