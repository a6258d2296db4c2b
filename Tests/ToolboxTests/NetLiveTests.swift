import Foundation
import XCTest

/// Live tests of dig, host, nslookup, nc, curl and wget against real
/// servers in network namespaces the test creates, compared with Debian's
/// tools run on the same setup:
///   client namespace  tbxc<pid>  10.231.0.1/24  (resolv.conf from /etc/netns/…:
///                                  cluster search list, ndots:5)
///   server namespace  tbxs<pid>  10.231.0.2/24  dnsmasq :53, http_server.py :8080,
///                                  nft drop of tcp/9999
///                                10.231.0.3/24  a UDP socket on :53 that never answers
/// Everything is removed in tearDown (and stale namespaces of this name at setUp).
/// Normalisations, all listed here: bind's version in dig's first line
/// ("DiG 9.x-Debian" -> "DiG toolbox"); the `id:` in the HEADER line; the
/// `;; Query time:` and `;; WHEN:` lines; `; COOKIE:` lines; the order of
/// records inside a section (dnsmasq shuffles additional records); the
/// millisecond counts in curl's timeout messages.
final class NetLiveTests: XCTestCase {
    static let id = ProcessInfo.processInfo.processIdentifier
    static let client = "tbxc\(id)", server = "tbxs\(id)"
    static let dir = NSTemporaryDirectory() + "tbxnet\(id)"
    nonisolated(unsafe) static var children: [Process] = []
    nonisolated(unsafe) static var ready = false
    nonisolated(unsafe) static var setupError: String? = nil

    static let dnsmasqConf = """
    no-resolv
    no-hosts
    bind-interfaces
    listen-address=10.231.0.2
    local=/example.test/
    local=/cluster.local/
    local=/target.test/
    local=/231.10.in-addr.arpa/
    host-record=web.default.svc.cluster.local,10.231.0.10
    host-record=db.prod.svc.cluster.local,10.231.0.11,fd00::11
    host-record=api.example.test,10.231.0.12
    host-record=web.target.test,10.231.0.20
    cname=alias.example.test,web.default.svc.cluster.local
    txt-record=t.example.test,"hello world","second \\"q\\""
    mx-host=example.test,mail.example.test,10
    srv-host=_http._tcp.example.test,db.prod.svc.cluster.local,80,0,5
    ptr-record=12.0.231.10.in-addr.arpa,api.example.test
    caa-record=example.test,0,issue,letsencrypt.org
    """ + (1...12).map { "\ntxt-record=big.example.test,\"record-\($0)-\(String(repeating: "x", count: 60))\"" }.joined()

    static let clusterResolv = """
    search default.svc.cluster.local svc.cluster.local cluster.local
    nameserver 10.231.0.2
    options ndots:5 timeout:1 attempts:1

    """

    @discardableResult
    static func run(_ cmd: String) -> RunResult {
        (try? sh(cmd)) ?? RunResult(out: "", err: "sh failed", code: -1)
    }

    static func cleanup() {
        for p in children where p.isRunning { p.terminate(); p.waitUntilExit() }
        children.removeAll()
        if let pid = try? String(contentsOfFile: dir + "/dnsmasq.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !pid.isEmpty {
            run("kill \(pid) 2>/dev/null")
        }
        run("ip netns del \(client) 2>/dev/null; ip netns del \(server) 2>/dev/null; rm -rf /etc/netns/\(client) \(dir)")
    }

    static func start(_ args: [String], waitFor: String? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        children.append(p)
        if let waitFor {
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            guard line.contains(waitFor) else { throw NSError(domain: "net", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(args) did not start: \(line)"]) }
        }
    }

    override class func setUp() {
        super.setUp()
        cleanup()
        for tool in ["dnsmasq", "dig", "nft", "ip"] where (try? sh("command -v \(tool)"))?.code != 0 {
            setupError = "\(tool) is not installed (scripts/deps/net.txt)"; return
        }
        let steps = [
            "mkdir -p \(dir) /etc/netns/\(client)",
            "ip netns add \(client)", "ip netns add \(server)",
            "ip link add tbv\(id)a type veth peer name tbv\(id)b",
            "ip link set tbv\(id)a netns \(client)", "ip link set tbv\(id)b netns \(server)",
            "ip -n \(client) addr add 10.231.0.1/24 dev tbv\(id)a", "ip -n \(client) link set tbv\(id)a up", "ip -n \(client) link set lo up",
            "ip -n \(server) addr add 10.231.0.2/24 dev tbv\(id)b", "ip -n \(server) addr add 10.231.0.3/24 dev tbv\(id)b",
            "ip -n \(server) link set tbv\(id)b up", "ip -n \(server) link set lo up",
            "ip netns exec \(server) nft add table inet tbx",
            "ip netns exec \(server) nft add chain inet tbx in '{ type filter hook input priority 0; }'",
            "ip netns exec \(server) nft add rule inet tbx in tcp dport 9999 drop",
        ]
        do {
            for s in steps {
                let r = run(s)
                if r.code != 0 { setupError = "\(s): \(r.err)"; return }
            }
            try dnsmasqConf.write(toFile: dir + "/dnsmasq.conf", atomically: true, encoding: .utf8)
            try clusterResolv.write(toFile: "/etc/netns/\(client)/resolv.conf", atomically: true, encoding: .utf8)
            let r = run("ip netns exec \(server) dnsmasq -C \(dir)/dnsmasq.conf --pid-file=\(dir)/dnsmasq.pid")
            if r.code != 0 { setupError = "dnsmasq: \(r.err)"; return }
            try start([server, "/usr/bin/python3", fixturePath("net/http_server.py"), "10.231.0.2", "8080"], waitFor: "ready")
            try start([server, "/usr/bin/python3", "-c",
                       "import socket,time,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('10.231.0.3',53))\nprint('ready',flush=True)\nwhile True: s.recv(4096)"],
                      waitFor: "ready")
            // dnsmasq answers once it has bound; wait for it.
            for _ in 0..<50 {
                if run("ip netns exec \(client) dig +short +time=1 +tries=1 @10.231.0.2 api.example.test").out.contains("10.231.0.12") { ready = true; break }
                usleep(100_000)
            }
            if !ready { setupError = "dnsmasq did not answer" }
        } catch { setupError = "\(error)" }
    }

    override class func tearDown() {
        cleanup()
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("network lab: \(e)"); throw NSError(domain: "net", code: 1) }
    }

    /// Runs a command line inside the client namespace.
    func inClient(_ argv: [String], stdin: Data? = nil) throws -> RunResult {
        try runProcess("/usr/sbin/ip", ["netns", "exec", Self.client] + argv, stdin: stdin,
                       environment: ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC"])
    }
    func ours(_ applet: String, _ args: [String]) throws -> RunResult { try inClient([try toolboxBinary(), applet] + args) }
    func theirs(_ tool: String, _ args: [String]) throws -> RunResult { try inClient([try which(tool)] + args) }

    /// dig output with the listed normalisations; records sorted inside each section.
    func normalizedDig(_ s: String) -> String {
        var out: [String] = []
        var section: [String] = []
        func flush() { out += section.sorted(); section = [] }
        var inSection = false
        for line in s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("; <<>> DiG ") {
                let rest = line.split(separator: "<<>>", omittingEmptySubsequences: false)
                out.append("; <<>> DiG toolbox <<>>" + (rest.count > 2 ? rest[2] : "")); continue
            }
            if line.hasPrefix(";; Query time:") || line.hasPrefix(";; WHEN:") || line.hasPrefix("; COOKIE:") { continue }
            if line.hasPrefix(";; ->>HEADER<<-"), let r = line.range(of: ", id: ") { out.append(String(line[..<r.lowerBound])); continue }
            if line.hasSuffix(" SECTION:") { flush(); out.append(line); inSection = true; continue }
            if line.isEmpty { flush(); inSection = false; out.append(line); continue }
            if inSection { section.append(line) } else { out.append(line) }
        }
        flush()
        return out.joined(separator: "\n")
    }

    // MARK: dig

    func testDigMatchesBindDigForEachRecordType() throws {
        let queries: [[String]] = [
            ["api.example.test"], ["db.prod.svc.cluster.local", "AAAA"], ["t.example.test", "TXT"], ["-t", "MX", "example.test"],
            ["_http._tcp.example.test", "SRV"], ["-x", "10.231.0.12"], ["example.test", "CAA"], ["alias.example.test"],
            ["nope.example.test"], ["api.example.test", "MX"], ["+short", "alias.example.test"], ["+tcp", "api.example.test"],
            ["+noall", "+answer", "db.prod.svc.cluster.local", "AAAA"], ["+noedns", "t.example.test", "TXT"],
        ]
        for q in queries {
            let args = ["@10.231.0.2"] + q
            let bind = try theirs("dig", args), mine = try ours("dig", args)
            XCTAssertEqual(normalizedDig(mine.out), normalizedDig(bind.out), "dig \(args.joined(separator: " "))")
            XCTAssertEqual(mine.code, bind.code, "dig \(args)")
            XCTAssertEqual(mine.err, bind.err, "dig \(args)")
        }
    }

    func testDigTruncatedAnswerIsRetriedOverTCP() throws {
        let args = ["@10.231.0.2", "+noedns", "big.example.test", "TXT"]
        let bind = try theirs("dig", args), mine = try ours("dig", args)
        XCTAssertTrue(mine.out.hasPrefix(";; Truncated, retrying in TCP mode.\n"), mine.out)
        XCTAssertTrue(mine.out.contains("(TCP)\n"), mine.out)
        XCTAssertTrue(mine.out.contains("ANSWER: 12,"), mine.out)
        XCTAssertEqual(normalizedDig(mine.out), normalizedDig(bind.out))
        // The resolver path too: resolv.conf has no edns0, so 512 bytes, then TCP.
        let h1 = try theirs("host", ["-t", "TXT", "big.example.test"]), h2 = try ours("host", ["-t", "TXT", "big.example.test"])
        XCTAssertEqual(h2.out.split(separator: "\n").sorted(), h1.out.split(separator: "\n").sorted())
        XCTAssertEqual(h2.code, 0)
    }

    func testUnansweringServerTimesOutAsBindDoes() throws {
        for (tool, args) in [("dig", ["@10.231.0.3", "+time=1", "+tries=2", "api.example.test"]),
                             ("host", ["-W", "1", "api.example.test", "10.231.0.3"]),
                             ("nslookup", ["-timeout=1", "-retry=1", "api.example.test", "10.231.0.3"])] {
            let bind = try theirs(tool, args), mine = try ours(tool, args)
            XCTAssertEqual(normalizedDig(mine.out), normalizedDig(bind.out), "\(tool) \(args)")
            XCTAssertEqual(mine.code, bind.code, "\(tool) \(args)")
            XCTAssertTrue(mine.out.contains(";; communications error to 10.231.0.3#53: timed out"), mine.out)
        }
    }

    func testHostAndNslookupMatchBind() throws {
        let cases: [(String, [String])] = [
            ("host", ["api.example.test"]), ("host", ["alias.example.test"]), ("host", ["-t", "TXT", "t.example.test"]),
            ("host", ["-t", "SRV", "_http._tcp.example.test"]), ("host", ["10.231.0.12"]), ("host", ["-t", "CAA", "example.test"]),
            ("host", ["-t", "MX", "api.example.test"]), ("host", ["nope.example.test"]), ("host", ["example.test", "10.231.0.2"]),
            ("host", ["web"]),   // through the search list: web.default.svc.cluster.local
            ("nslookup", ["api.example.test"]), ("nslookup", ["alias.example.test"]), ("nslookup", ["-type=mx", "example.test"]),
            ("nslookup", ["-type=txt", "t.example.test"]), ("nslookup", ["-type=srv", "_http._tcp.example.test"]),
            ("nslookup", ["10.231.0.12"]), ("nslookup", ["-type=caa", "example.test"]), ("nslookup", ["nope.example.test"]),
            ("nslookup", ["-type=mx", "api.example.test"]), ("nslookup", ["web", "10.231.0.2"]),
        ]
        for (tool, args) in cases {
            let bind = try theirs(tool, args), mine = try ours(tool, args)
            XCTAssertEqual(mine.out, bind.out, "\(tool) \(args.joined(separator: " "))")
            XCTAssertEqual(mine.err, bind.err, "\(tool) \(args)")
            XCTAssertEqual(mine.code, bind.code, "\(tool) \(args)")
        }
    }

    /// The Kubernetes ndots:5 trap: a name with one dot goes through the
    /// three cluster domains (NXDOMAIN each) before being asked as given.
    func testExplainShowsTheNdotsSearchOrder() throws {
        let r = try ours("dig", ["--explain", "+short", "api.example.test"])
        let steps = r.out.split(separator: "\n").filter { $0.hasPrefix(";; search: ") }
            .map { $0.replacingOccurrences(of: #" \(\d+ ms\)$"#, with: "", options: .regularExpression) }
        XCTAssertEqual(steps, [
            ";; search: api.example.test.default.svc.cluster.local. A: NXDOMAIN",
            ";; search: api.example.test.svc.cluster.local. A: NXDOMAIN",
            ";; search: api.example.test.cluster.local. A: NXDOMAIN",
            ";; search: api.example.test. A: 10.231.0.12",
        ], r.out)
        XCTAssertTrue(r.out.contains(";; resolv.conf: /etc/resolv.conf: search default.svc.cluster.local svc.cluster.local cluster.local; ndots:5 (api.example.test has 2 dots)"), r.out)
        XCTAssertTrue(r.out.hasSuffix("10.231.0.12\n"), r.out)
        // +search alone gives bind's final answer.
        let bind = try theirs("dig", ["+search", "+noall", "+answer", "web"]), mine = try ours("dig", ["+search", "+noall", "+answer", "web"])
        XCTAssertEqual(mine.out, bind.out)
        XCTAssertEqual(mine.out, "web.default.svc.cluster.local. 0 IN\tA\t10.231.0.10\n")
    }

    /// --pid: a process in the client's network namespace and its own mount
    /// namespace with another resolv.conf; toolbox, run from the host's
    /// namespace (where 10.231.0.2 is unreachable), must use both.
    func testPidUsesTheTargetsNamespaceAndResolvConf() throws {
        let targetConf = Self.dir + "/target-resolv.conf"
        try "nameserver 10.231.0.2\nsearch target.test\noptions ndots:1 timeout:1 attempts:1\n".write(toFile: targetConf, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", Self.client, "unshare", "-m", "--propagation", "private", "sh", "-c",
                       "mount --bind \(targetConf) /etc/resolv.conf && echo ready $$ && exec sleep 120"]
        let out = Pipe(); p.standardOutput = out
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        // The shell prints its pid, then execs sleep in the same process: that is the target.
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(line.hasPrefix("ready "), line)
        let pid = line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(Int32(pid))
        defer { kill(Int32(pid) ?? 0, SIGKILL) }
        let bin = try toolboxBinary()
        let dig = try runProcess(bin, ["dig", "--pid", pid, "+short", "+search", "web"])
        XCTAssertEqual(dig.out, "10.231.0.20\n", dig.err)
        XCTAssertEqual(dig.code, 0)
        // The same through the target's eyes with bind's nslookup (nsenter into its namespaces).
        let bind = try runProcess("/usr/bin/nsenter", ["-t", pid, "-n", "-m", "nslookup", "web"])
        let mine = try runProcess(bin, ["nslookup", "--pid", pid, "web"])
        XCTAssertEqual(mine.out, bind.out)
        XCTAssertTrue(mine.out.contains("Name:\tweb.target.test\nAddress: 10.231.0.20\n"), mine.out)
        // Without --pid, the host's own resolv.conf is used: not the target's search list.
        let own = try runProcess(bin, ["dig", "+short", "+search", "+time=1", "+tries=1", "web.target.test.invalid."])
        XCTAssertNotEqual(own.out, "10.231.0.20\n")
    }

    // MARK: nc

    func testNcMatchesNetcatOpenBSD() throws {
        let cases: [[String]] = [
            ["-zv", "10.231.0.2", "8080"], ["-zv", "10.231.0.2", "8075-8085"], ["-zv", "-w", "1", "10.231.0.2", "9999"],
            ["-zvn", "10.231.0.2", "8080"], ["-zv", "10.231.0.2", "http-alt"], ["-z", "10.231.0.2", "8081"],
            ["-zv", "nope.example.test", "80"], ["-zv", "api.example.test", "80"], ["-zv", "-w", "1", "-u", "10.231.0.2", "53"],
            ["-z", "10.231.0.2", "1-1000"], ["-zv", "-w", "1", "10.231.0.77", "80"],
        ]
        for args in cases {
            let theirs = try theirs("nc.openbsd", args), mine = try ours("nc", args)
            // Normalisation: netcat names itself after argv[0] (nc.openbsd here).
            XCTAssertEqual(mine.err, theirs.err.replacingOccurrences(of: "nc.openbsd: ", with: "nc: "), "nc \(args.joined(separator: " "))")
            XCTAssertEqual(mine.out, theirs.out, "nc \(args)")
            XCTAssertEqual(mine.code, theirs.code, "nc \(args)")
        }
    }

    func testNcExplainsEachFailure() throws {
        let refused = try ours("nc", ["-z", "--explain", "10.231.0.2", "8081"])
        XCTAssertTrue(refused.err.contains("reset (RST)"), refused.err)
        let dropped = try ours("nc", ["-z", "--explain", "-w", "1", "10.231.0.2", "9999"])
        XCTAssertTrue(dropped.err.contains("timed out: Operation now in progress"), dropped.err)
        XCTAssertTrue(dropped.err.contains("a firewall or NetworkPolicy drops"), dropped.err)
        XCTAssertEqual(dropped.code, 1)
    }

    func testNcRelaysData() throws {
        let req = "GET /hello HTTP/1.0\r\n\r\n".data(using: .utf8)!
        let mine = try inClient([try toolboxBinary(), "nc", "-q", "5", "10.231.0.2", "8080"], stdin: req)
        XCTAssertTrue(mine.out.hasPrefix("HTTP/1.1 200 OK\r\n"), mine.out)
        XCTAssertTrue(mine.out.hasSuffix("\r\n\r\nhello\n"), mine.out)
    }

    // MARK: curl, wget

    func normalizedCurl(_ s: String) -> String {
        s.replacingOccurrences(of: #"after \d+ m"#, with: "after N m", options: .regularExpression)
    }

    func testCurlMatchesCurl() throws {
        let u = "http://10.231.0.2:8080"
        let cases: [[String]] = [
            ["-s", "\(u)/hello"], ["-si", "\(u)/chunked"], ["-sI", "\(u)/hello"], ["-s", "\(u)/redirect"], ["-sL", "\(u)/redirect"],
            ["-sL", "\(u)/redirect-rel"], ["-sL", "\(u)/redirect-abs"], ["-sSf", "\(u)/status/404"], ["-s", "\(u)/status/500"],
            ["-s", "-d", "a=1", "-d", "b=2", "\(u)/echo"], ["-s", "-X", "PUT", "-H", "X-Test: yes", "--data-binary", "xyz", "\(u)/echo"],
            ["-s", "-H", "Accept:", "-H", "X-A: 1", "\(u)/echo"], ["-sS", "-m", "1", "\(u)/slow"], ["-sS", "http://10.231.0.2:8081/"],
            ["-sS", "http://nope.example.test/"], ["-s", "-w", "%{http_code} %{size_download} %{num_redirects} %{url_effective}\\n", "-L", "-o", "/dev/null", "\(u)/redirect"],
            ["-sSL", "\(u)/loop"], ["-sS", "--connect-timeout", "1", "http://10.231.0.2:9999/"], ["-sS", "-m", "1", "http://10.231.0.2:9999/"],
            ["-s", "http://api.example.test:8080/hello"],
        ]
        for args in cases {
            let c = try theirs("curl", args), mine = try ours("curl", args)
            XCTAssertEqual(mine.out, c.out, "curl \(args.joined(separator: " "))")
            XCTAssertEqual(normalizedCurl(mine.err), normalizedCurl(c.err), "curl \(args)")
            XCTAssertEqual(mine.code, c.code, "curl \(args)")
        }
    }

    func testCurlTimingsAndTLSMessage() throws {
        let r = try ours("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_connect} %{time_total}", "http://10.231.0.2:8080/hello"])
        let parts = r.out.split(separator: " ")
        XCTAssertEqual(parts.count, 3, r.out)
        XCTAssertEqual(parts.first, "200")
        let connect = Double(parts[1]) ?? -1, total = Double(parts[2]) ?? -1
        XCTAssertTrue(connect > 0 && connect <= total && total < 5, r.out)
        let tls = try ours("curl", ["-sS", "https://10.231.0.2/"])
        XCTAssertEqual(tls.err, "curl: (1) TLS is not supported by toolbox: https://10.231.0.2/\n")
        XCTAssertEqual(tls.code, 1)
        let body = try ours("curl", ["-s", "-o", Self.dir + "/out.bin", "http://10.231.0.2:8080/big/3000000"])
        XCTAssertEqual(body.code, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/out.bin")).count, 3_000_000)
    }

    /// curl -o FILE (spliced socket -> pipe -> file for Content-Length
    /// bodies): the same bytes, exit status and -w figures as curl's.
    func testCurlOutputFileMatchesCurl() throws {
        for size in [0, 1, 65_537, 3_000_001] {
            let url = "http://10.231.0.2:8080/big/\(size)"
            let a = Self.dir + "/ours-\(size).bin", b = Self.dir + "/theirs-\(size).bin"
            let mine = try ours("curl", ["-s", "-o", a, "-w", "%{http_code} %{size_download}\\n", url])
            let c = try theirs("curl", ["-s", "-o", b, "-w", "%{http_code} %{size_download}\\n", url])
            XCTAssertEqual(mine.out, c.out, "curl -o \(size)")
            XCTAssertEqual(mine.out, "200 \(size)\n")
            XCTAssertEqual(mine.code, c.code)
            let ourBytes = try Data(contentsOf: URL(fileURLWithPath: a)), theirBytes = try Data(contentsOf: URL(fileURLWithPath: b))
            XCTAssertEqual(ourBytes.count, size)
            XCTAssertTrue(ourBytes == theirBytes, "curl -o \(size): bytes differ")
        }
    }

    func testWgetMatchesGNUWget() throws {
        let u = "http://10.231.0.2:8080"
        let cases: [[String]] = [
            ["-q", "-O", "-", "\(u)/hello"], ["-q", "-O", "-", "\(u)/chunked"], ["-q", "-O", "-", "\(u)/redirect"],
            ["-q", "-O", "-", "\(u)/status/404"], ["-q", "--spider", "\(u)/hello"], ["-q", "--spider", "\(u)/status/404"],
            ["-q", "-O", "-", "http://10.231.0.2:8081/"], ["-q", "-O", "-", "http://nope.example.test/"],
            ["-q", "-O", "-", "--post-data", "a=1", "\(u)/echo"], ["-q", "-O", "-", "--header", "X-B: 2", "\(u)/echo"],
            ["-q", "-T", "1", "-t", "2", "-O", "-", "http://10.231.0.2:9999/"],
        ]
        for args in cases {
            let w = try theirs("wget", args), mine = try ours("wget", args)
            XCTAssertEqual(mine.out, w.out, "wget \(args.joined(separator: " "))")
            XCTAssertEqual(mine.code, w.code, "wget \(args)")
        }
        // Saved files: same name choice (hello, then hello.1) and content.
        let work = Self.dir + "/wget"
        for tool in ["theirs", "ours"] {
            try FileManager.default.createDirectory(atPath: "\(work)-\(tool)", withIntermediateDirectories: true)
            for _ in 0..<2 {
                let argv = [tool == "ours" ? try toolboxBinary() : try which("wget")] + (tool == "ours" ? ["wget"] : []) + ["-q", "\(u)/hello"]
                let r = try runProcess("/usr/sbin/ip", ["netns", "exec", Self.client] + argv, currentDirectory: "\(work)-\(tool)")
                XCTAssertEqual(r.code, 0, r.err)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(work)-ours").sorted(), ["hello", "hello.1"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(work)-theirs").sorted(), ["hello", "hello.1"])
        XCTAssertEqual(try String(contentsOfFile: "\(work)-ours/hello.1", encoding: .utf8), "hello\n")
        let spider = try ours("wget", ["--spider", "\(u)/hello"])
        XCTAssertTrue(spider.err.contains("Remote file exists."), spider.err)
        let tls = try ours("wget", ["-q", "https://10.231.0.2/"])
        XCTAssertEqual(tls.err, "wget: TLS is not supported by toolbox: https://10.231.0.2/\n")
        XCTAssertEqual(tls.code, 1)
    }
}
