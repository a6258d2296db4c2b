import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// A stub resolver in the manner of musl's (src/network/res_msend.c,
/// lookup_name.c): each query goes to every nameserver at once over UDP and
/// the first usable answer wins; it is re-sent every `timeout` seconds up
/// to `attempts` times; a truncated answer is asked again over TCP. The
/// search list and ndots follow glibc (res_nsearch, see
/// ResolvConf.candidates). The configuration is the target's: resolv.conf,
/// hosts and nsswitch.conf read through /proc/PID/root.

/// The resolver's configuration files as read from a root.
public struct ResolverFiles: Sendable {
    public var conf: ResolvConf
    public var hosts: HostsFile
    public var nsswitch: NSSwitchHosts
    /// Where they were read from (for --explain): "/etc/resolv.conf" or
    /// "/proc/PID/root/etc/resolv.conf".
    public var prefix: String
    /// Problems reading them, worded for the user.
    public var notes: [String] = []

    /// Reads /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf inside
    /// `rootPath` (nil: this process's own). A missing file gives the
    /// resolver's defaults, as glibc does.
    public static func load(rootPath: String?) -> ResolverFiles {
        var root: FileDescriptor? = nil
        var notes: [String] = []
        if let rootPath {
            do { root = try FileDescriptor.open(rootPath, O_PATH | O_DIRECTORY) }
            catch { notes.append("\(rootPath): \(error.message)") }
        }
        defer { root?.close() }
        func readFile(_ path: String) -> [UInt8]? {
            do { return try readTargetFile(root: root, path, cap: 1 << 20) }
            catch {
                if error.rawValue != ENOENT { notes.append("\(rootPath ?? "")\(path): \(error.message)") }
                return nil
            }
        }
        let conf = ResolvConf.parse(readFile("/etc/resolv.conf") ?? [])
        let hosts = HostsFile.parse(readFile("/etc/hosts") ?? [])
        let nss = readFile("/etc/nsswitch.conf").map { NSSwitchHosts.parse($0) } ?? NSSwitchHosts.fallback
        return ResolverFiles(conf: conf, hosts: hosts, nsswitch: nss, prefix: rootPath ?? "", notes: notes)
    }
}

/// The result of one exchange with the nameservers.
public enum DNSOutcome: Sendable {
    /// A reply: the message, its size in bytes, which server answered,
    /// whether over TCP, and the time from first send to the reply.
    case reply(DNSMessage, size: Int, server: SocketAddress, tcp: Bool, micros: Int64)
    /// No server answered before the deadline (per server: every address tried).
    case timedOut
    /// A local error (no socket, a refused connection for TCP...).
    case failed(Errno, server: SocketAddress?)
    /// The reply could not be decoded.
    case malformed(DNSError, server: SocketAddress)
}

/// Sends queries and collects the first answer (res_msend).
public final class DNSClient {
    public let namespace: NetNamespace
    public var servers: [SocketAddress]
    public var timeoutMs: Int64
    public var attempts: Int
    public var udpSize: UInt16?   // EDNS0 buffer size; nil sends no OPT
    public var forceTCP = false
    public var ignoreTruncation = false
    public var options: [DNSOption] = []
    /// Called for every timed-out attempt of a server (dig prints these).
    public var onTimeout: ((SocketAddress) -> Void)? = nil
    /// Called when a UDP answer was truncated and the query goes to TCP.
    public var onTruncated: ((SocketAddress) -> Void)? = nil
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)

    public init(namespace: NetNamespace, servers: [SocketAddress], timeoutMs: Int64, attempts: Int, udpSize: UInt16?) {
        self.namespace = namespace; self.servers = servers; self.timeoutMs = timeoutMs
        self.attempts = max(1, attempts); self.udpSize = udpSize
    }
    deinit { buffer.deallocate() }

    /// One question: builds the query, exchanges it, checks the reply
    /// answers it (same id, same question).
    public func query(_ name: String, type: UInt16, recursion: Bool = true, adFlag: Bool = false) -> (DNSOutcome, query: [UInt8]) {
        let id = UInt16.random(in: 0...UInt16.max)
        let q = DNSMessage.query(id: id, name: name, type: type, recursionDesired: recursion, adFlag: adFlag,
                                 udpSize: udpSize, options: options)
        guard let bytes = try? q.encode() else { return (.failed(Errno(EINVAL), server: nil), []) }
        if forceTCP { return (exchangeTCPAll(bytes), bytes) }
        return (exchange(bytes), bytes)
    }

    /// UDP to every server in parallel, re-sent each `timeoutMs` until
    /// `attempts` rounds have passed; the first NOERROR/NXDOMAIN reply wins,
    /// another rcode is kept in case nothing better comes. TC goes to TCP.
    public func exchange(_ query: [UInt8]) -> DNSOutcome {
        var sockets: [Int32: FileDescriptor] = [:]
        defer { for s in sockets.values { s.close() } }
        var lastError: Errno? = nil
        for s in servers where sockets[s.family] == nil {
            do {
                let fd = try namespace.socket(s.family, Int32(SOCK_DGRAM.rawValue), 0)
                fd.setNonBlocking(); sockets[s.family] = fd
            } catch { lastError = error }
        }
        if sockets.isEmpty { return .failed(lastError ?? Errno(EAFNOSUPPORT), server: nil) }
        let start = monotonicMicros()
        let qid = UInt16(query[0]) << 8 | UInt16(query[1])
        var fallback: DNSOutcome? = nil
        var answered = [Bool](repeating: false, count: servers.count)
        var pfds = sockets.values.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
        for round in 0..<attempts {
            if round > 0 { for s in servers where !answered[servers.firstIndex(of: s)!] { onTimeout?(s) } }
            for (i, s) in servers.enumerated() where !answered[i] {
                guard let fd = sockets[s.family] else { continue }
                _ = query.withUnsafeBytes { q in s.withSockaddr { Glibc.sendto(fd.rawValue, q.baseAddress, q.count, Int32(MSG_NOSIGNAL), $0, $1) } }
            }
            let roundEnd = monotonicMillis() + timeoutMs
            while true {
                let left = roundEnd - monotonicMillis()
                if left <= 0 { break }
                let r = Glibc.poll(&pfds, nfds_t(pfds.count), Int32(min(left, Int64(Int32.max))))
                if r <= 0 { continue }
                for k in 0..<pfds.count where pfds[k].revents != 0 {
                    pfds[k].revents = 0
                    while true {
                        var from = sockaddr_storage()
                        var fromLen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                        let n = withUnsafeMutablePointer(to: &from) { p in
                            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                Glibc.recvfrom(pfds[k].fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, &fromLen)
                            }
                        }
                        if n < 0 { break }
                        // Only replies from a server we asked, with our id.
                        guard n >= 12, let src = SocketAddress(storage: from),
                              let si = servers.firstIndex(where: { $0.address == src.address && $0.port == src.port }),
                              UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == qid else { continue }
                        let reply = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                        let msg: DNSMessage
                        do { msg = try DNSMessage.parse(reply) }
                        catch { fallback = fallback ?? .malformed(error, server: servers[si]); continue }
                        guard msg.isResponse, sameQuestion(msg, query) else { continue }
                        answered[si] = true
                        if msg.truncated && !ignoreTruncation {
                            onTruncated?(servers[si])
                            let tcp = exchangeTCP(query, server: servers[si], deadline: monotonicMillis() + timeoutMs, start: start)
                            if case .reply = tcp { return tcp }
                            // TCP failed: keep the truncated answer (glibc does).
                            fallback = .reply(msg, size: n, server: servers[si], tcp: false, micros: monotonicMicros() - start)
                            continue
                        }
                        let outcome = DNSOutcome.reply(msg, size: n, server: servers[si], tcp: false, micros: monotonicMicros() - start)
                        let rc = msg.rcode
                        if rc == DNSRcode.noError || rc == DNSRcode.nxDomain { return outcome }
                        fallback = outcome
                    }
                }
                if !answered.contains(false) { break }
            }
            if !answered.contains(false) { break }
        }
        if let fallback { return fallback }
        for s in servers { onTimeout?(s) }
        return .timedOut
    }

    /// The same query over TCP (RFC 7766: two-byte length prefix), to each
    /// server in turn.
    func exchangeTCPAll(_ query: [UInt8]) -> DNSOutcome {
        let start = monotonicMicros()
        var last = DNSOutcome.timedOut
        for _ in 0..<attempts {
            for s in servers {
                let r = exchangeTCP(query, server: s, deadline: monotonicMillis() + timeoutMs, start: start)
                if case .reply = r { return r }
                if case .timedOut = r { onTimeout?(s) }
                last = r
            }
        }
        return last
    }

    public func exchangeTCP(_ query: [UInt8], server: SocketAddress, deadline: Int64, start: Int64) -> DNSOutcome {
        let fd: FileDescriptor
        do { fd = try namespace.socket(server.family, Int32(SOCK_STREAM.rawValue), 0) }
        catch { return .failed(error, server: server) }
        defer { fd.close() }
        do {
            try fd.connect(to: server, deadline: deadline)
            var framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)]
            framed += query
            try framed.withUnsafeBytes { b in Result { () throws(Errno) in try fd.sendAll(b, deadline: deadline) } }.get()
            func readExactly(_ n: Int) throws(Errno) -> Int {
                var got = 0
                while got < n {
                    let k = try fd.receive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[got..<n]), deadline: deadline)
                    if k == 0 { throw Errno(ECONNRESET) }
                    got += k
                }
                return got
            }
            _ = try readExactly(2)
            let len = Int(buffer[0]) << 8 | Int(buffer[1])
            guard len >= 12 else { return .failed(Errno(EPROTO), server: server) }
            _ = try readExactly(len)
            let reply = UnsafeRawBufferPointer(rebasing: buffer[0..<len])
            do {
                let msg = try DNSMessage.parse(reply)
                return .reply(msg, size: len, server: server, tcp: true, micros: monotonicMicros() - start)
            } catch { return .malformed(error, server: server) }
        } catch {
            if error.rawValue == ETIMEDOUT { return .timedOut }
            return .failed(error, server: server)
        }
    }

    func sameQuestion(_ msg: DNSMessage, _ query: [UInt8]) -> Bool {
        guard let q = try? DNSMessage.parse(query) else { return false }
        // A server may legitimately return no question section only on some errors.
        if msg.questions.isEmpty { return msg.rcode != DNSRcode.noError }
        guard let a = msg.questions.first, let b = q.questions.first else { return false }
        return a.type == b.type && a.klass == b.klass && a.name.lowercased() == b.name.lowercased()
    }
}

/// One name tried during a search (for --explain and dig +search traces).
public struct SearchStep: Sendable {
    public var name: String
    public var type: UInt16
    public var outcome: DNSOutcome
    public var millis: Int64
    /// Short text: the answer addresses/targets, NXDOMAIN, NODATA, ...
    public var summary: String {
        switch outcome {
        case .timedOut: return "timed out"
        case .failed(let e, _): return e.description
        case .malformed: return "malformed reply"
        case .reply(let m, _, _, _, _):
            if m.rcode != DNSRcode.noError { return DNSRcode.name(m.rcode) }
            let rr = m.answers.filter { $0.type == type || $0.type == DNSType.cname }
            if rr.isEmpty { return "NOERROR, no \(DNSType.name(type)) records (NODATA)" }
            return rr.map { $0.type == DNSType.cname ? "CNAME \($0.data.text)" : $0.data.text }.joinedText(", ")
        }
    }
}

extension DNSClient {
    /// glibc res_nsearch over `candidates`: stops at the first name with
    /// records; NXDOMAIN, NODATA and SERVFAIL go on to the next name; a
    /// timeout or another error ends the search (glibc's `done`).
    /// Returns the winning step (or the last tried) and every step.
    /// `bindStyle`: bind's dig/host/nslookup instead, which go on to the
    /// next name only after NXDOMAIN (NODATA ends their search).
    public func search(_ candidates: [String], type: UInt16, bindStyle: Bool = false,
                       trace: ((SearchStep) -> Void)? = nil) -> (SearchStep?, [SearchStep]) {
        var steps: [SearchStep] = []
        var bestNoData: SearchStep? = nil
        for name in candidates {
            let t0 = monotonicMillis()
            let (outcome, _) = query(name, type: type)
            let step = SearchStep(name: name, type: type, outcome: outcome, millis: monotonicMillis() - t0)
            steps.append(step); trace?(step)
            switch outcome {
            case .reply(let m, _, _, _, _):
                if bindStyle {
                    if m.rcode == DNSRcode.nxDomain { continue }
                    return (step, steps)
                }
                if m.rcode == DNSRcode.noError {
                    if m.answers.contains(where: { $0.type == type }) || (type == DNSType.any && !m.answers.isEmpty) { return (step, steps) }
                    if bestNoData == nil { bestNoData = step }
                    continue
                }
                if m.rcode == DNSRcode.nxDomain || m.rcode == DNSRcode.serverFailure { continue }
                return (step, steps)
            default:
                return (step, steps)
            }
        }
        return (bestNoData ?? steps.last, steps)
    }
}

/// Host name to addresses, as getaddrinfo would for an application in the
/// target: the nsswitch `hosts:` sources in order (`files`, `dns`; others
/// such as `myhostname` or `mdns` are noted and skipped), A then AAAA.
public struct HostResolver {
    public let files: ResolverFiles
    public let client: DNSClient
    public var explain: ((String) -> Void)? = nil

    public init(files: ResolverFiles, namespace: NetNamespace) {
        self.files = files
        let servers = files.conf.nameservers.compactMap { SocketAddress(literal: $0, port: 53) }
        client = DNSClient(namespace: namespace, servers: servers, timeoutMs: Int64(files.conf.timeout) * 1000,
                           attempts: files.conf.attempts, udpSize: files.conf.edns0 ? 1232 : nil)
        if files.conf.rotate { client.servers.shuffle() }
    }

    public enum Failure: Error, Equatable {
        case notFound, noData, timedOut, serverFailure(String)

        /// getaddrinfo's words for the failure (gai_strerror), as nc and
        /// iputils ping print them.
        public var gaiMessage: String {
            switch self {
            case .notFound: return "Name or service not known"
            case .noData: return "No address associated with hostname"
            case .timedOut, .serverFailure: return "Temporary failure in name resolution"
            }
        }
    }

    /// Addresses for `host`: a literal is returned as is; `family` is
    /// AF_INET, AF_INET6 or AF_UNSPEC (both; IPv4 first, as glibc's
    /// default gai.conf orders them on a host without IPv6 routes).
    public func resolve(_ host: String, family: Int32 = AF_UNSPEC) -> Result<[[UInt8]], Failure> {
        if let a = parseIPv4(host), family != AF_INET6 { return .success([a]) }
        if let a = parseIPv6(host), family != AF_INET { return .success([a]) }
        var sawTimeout = false, sawNoData = false
        var lastFailure: String? = nil
        for (index, source) in files.nsswitch.sources.enumerated() {
            switch source {
            case "files":
                var out: [[UInt8]] = []
                if family != AF_INET6, let r = files.hosts.lookup(host, v6: false) { out += r.addresses }
                if family != AF_INET, let r = files.hosts.lookup(host, v6: true) { out += r.addresses }
                explain?("files: \(files.prefix)/etc/hosts: " + (out.isEmpty ? "no entry for \(host)" : out.map { SocketAddress(address: $0, port: 0).host }.joinedText(", ")))
                if !out.isEmpty { return .success(out) }
            case "dns":
                let candidates = files.conf.candidates(host)
                var out: [[UInt8]] = []
                let types: [UInt16] = family == AF_INET ? [DNSType.a] : family == AF_INET6 ? [DNSType.aaaa] : [DNSType.a, DNSType.aaaa]
                for t in types {
                    let (best, _) = client.search(candidates, type: t) { step in
                        explain?("dns: \(step.name) \(DNSType.name(t)): \(step.summary) (\(step.millis) ms)")
                    }
                    guard let best else { continue }
                    switch best.outcome {
                    case .reply(let m, _, _, _, _):
                        if m.rcode == DNSRcode.noError {
                            let addrs = m.answers.compactMap { r -> [UInt8]? in
                                if case .a(let b) = r.data, t == DNSType.a { return b }
                                if case .aaaa(let b) = r.data, t == DNSType.aaaa { return b }
                                return nil
                            }
                            out += addrs
                            if addrs.isEmpty { sawNoData = true }
                        } else if m.rcode != DNSRcode.nxDomain { lastFailure = DNSRcode.name(m.rcode) }
                    case .timedOut: sawTimeout = true
                    case .failed(let e, _): lastFailure = e.message
                    case .malformed: lastFailure = "malformed reply"
                    }
                    if !out.isEmpty && family == AF_UNSPEC { break }
                }
                if !out.isEmpty { return .success(out) }
            default:
                explain?("\(source): not supported by toolbox, skipped")
            }
            if files.nsswitch.returnOnNotFound.contains(index) { break }
        }
        if sawTimeout { return .failure(.timedOut) }
        if let lastFailure { return .failure(.serverFailure(lastFailure)) }
        return .failure(sawNoData ? .noData : .notFound)
    }
}
