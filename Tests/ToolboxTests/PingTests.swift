import Foundation
import XCTest

/// `toolbox ping` against Debian's iputils ping on namespaces the test builds:
///   namespace A  tbxpga<pid>: veth 10.81.0.1/24 fd81::1/64, lo up, routes 10.82.0.0/16 and
///                10.83.0.0/16 via B; net.ipv4.ping_group_range "0 0" (gid 0 only).
///   namespace B  tbxpgb<pid>: the peer 10.81.0.2/24 fd81::2/64, forwarding on, a blackhole route
///                for 10.82.0.0/16 (requests vanish: the timeout case) and no route for
///                10.83.0.0/16 (B answers "Destination Net Unreachable": the ICMP error case).
/// Both tools run in A (`ip netns exec`), as root or through setpriv:
///   uid 65534 gid 0, no capabilities   -> only the datagram ICMP socket can open (gid in range)
///   uid 65534 gid 65534 + CAP_NET_RAW  -> only the raw socket can open
///   uid 65534 gid 65534, no capability -> neither: iputils and toolbox both exit 2
/// iputils' binary carries file capabilities (cap_net_raw=ep), so it is copied (a copy has
/// none) to run it with exactly the privileges given. Outputs are compared line by line with
/// the times masked (time=, time Nms, the rtt figures); counts, sequence numbers, TTLs, sizes,
/// error lines and exit codes must be equal.
final class PingTests: XCTestCase {
    static let id = ProcessInfo.processInfo.processIdentifier
    static let nsA = "tbxpga\(id)", nsB = "tbxpgb\(id)"
    static let a = "tbpga\(id)", b = "tbpgb\(id)"
    // iputils takes -4/-6 from the last character of argv[0] (ping4, ping6):
    // the copy's name must not end in a digit (a pid ending in 4 or 6).
    static let peerPing = NSTemporaryDirectory() + "ping-nocap-\(id)-peer"
    nonisolated(unsafe) static var holder: Process? = nil
    nonisolated(unsafe) static var setupError: String? = nil

    @discardableResult
    static func run(_ cmd: String) -> RunResult { (try? sh(cmd)) ?? RunResult(out: "", err: "sh failed", code: -1) }

    static func cleanup() {
        if let h = holder, h.isRunning { h.terminate(); h.waitUntilExit() }
        holder = nil
        run("ip netns del \(nsA) 2>/dev/null; ip netns del \(nsB) 2>/dev/null; rm -f \(peerPing)")
    }

    override class func setUp() {
        super.setUp()
        cleanup()
        for tool in ["ip", "ping", "setpriv", "nsenter"] where (try? sh("command -v \(tool)"))?.code != 0 {
            setupError = "\(tool) is not installed (scripts/deps/net-ip.txt)"; return
        }
        let A = "ip -n \(nsA)", B = "ip -n \(nsB)"
        let steps = [
            "cp \"$(command -v ping)\" \(peerPing)",
            "ip netns add \(nsA)", "ip netns add \(nsB)",
            "ip link add \(a) type veth peer name \(b)", "ip link set \(a) netns \(nsA)", "ip link set \(b) netns \(nsB)",
            "\(A) link set lo up", "\(A) link set \(a) up", "\(B) link set lo up", "\(B) link set \(b) up",
            "\(A) addr add 10.81.0.1/24 dev \(a)", "\(A) addr add fd81::1/64 dev \(a) nodad",
            "\(B) addr add 10.81.0.2/24 dev \(b)", "\(B) addr add fd81::2/64 dev \(b) nodad",
            "\(A) route add 10.82.0.0/16 via 10.81.0.2", "\(A) route add 10.83.0.0/16 via 10.81.0.2",
            "\(B) route add blackhole 10.82.0.0/16",
            "ip netns exec \(nsB) sysctl -qw net.ipv4.ip_forward=1",
            "ip netns exec \(nsB) sysctl -qw net.ipv4.icmp_ratelimit=0",
            "ip netns exec \(nsA) sysctl -qw net.ipv4.ping_group_range='0 0'",
        ]
        for s in steps {
            let r = run(s)
            if r.code != 0 { setupError = "\(s): \(r.err)"; return }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", nsB, "sleep", "600"]
        do { try p.run() } catch { setupError = "holder: \(error)"; return }
        holder = p
        for _ in 0..<50 {
            if run("ip netns exec \(nsA) \(peerPing) -c 1 -W 1 10.81.0.2").code == 0 { break }
            usleep(100_000)
        }
    }

    override class func tearDown() {
        cleanup()
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("ping lab: \(e)"); throw NSError(domain: "ping", code: 1) }
    }

    enum Who { case root, datagramOnly, rawOnly, neither }

    func privileges(_ w: Who) -> [String] {
        switch w {
        case .root: return []
        case .datagramOnly: return ["setpriv", "--reuid", "65534", "--regid", "0", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
        case .rawOnly: return ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=+net_raw", "--ambient-caps=+net_raw"]
        case .neither: return ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
        }
    }

    let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
    /// iputils names itself by argv[0] (the copy's path): "ping:" as ours.
    func theirs(_ args: [String], _ w: Who) throws -> RunResult {
        var r = try runProcess("/usr/sbin/ip", ["netns", "exec", Self.nsA] + privileges(w) + [Self.peerPing] + args, environment: env)
        r.err = r.err.replacingOccurrences(of: Self.peerPing + ":", with: "ping:")
        return r
    }
    func ours(_ args: [String], _ w: Who) throws -> RunResult {
        try runProcess("/usr/sbin/ip", ["netns", "exec", Self.nsA] + privileges(w) + [try toolboxBinary(), "ping"] + args, environment: env)
    }

    /// The output with the times masked.
    static func masked(_ s: String) -> String {
        var t = s
        for (pattern, with) in [(" time=[0-9.]+ ms", " time=T ms"), (", time [0-9]+ms", ", time Tms"),
                                ("= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms", "= T/T/T/T ms")] {
            t = t.replacingOccurrences(of: pattern, with: with, options: .regularExpression)
        }
        return t
    }

    /// `retries`: B's ICMP errors are rate limited by the kernel (and were
    /// seen lost on a loaded machine), so an error case may be run again.
    func assertSame(_ args: [String], _ w: Who = .root, code: Int32, retries: Int = 1,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        var t = try theirs(args, w), o = try ours(args, w)
        var left = retries - 1
        while (Self.masked(o.out) != Self.masked(t.out) || o.code != t.code) && left > 0 {
            sleep(1); t = try theirs(args, w); o = try ours(args, w); left -= 1
        }
        XCTAssertEqual(Self.masked(o.out), Self.masked(t.out), "ping \(args.joined(separator: " ")) as \(w)", file: file, line: line)
        XCTAssertEqual(o.err, t.err, "stderr of ping \(args) as \(w)", file: file, line: line)
        XCTAssertEqual(o.code, t.code, "exit of ping \(args) as \(w): \(o.err)", file: file, line: line)
        XCTAssertEqual(t.code, code, "iputils' exit for \(args): \(t.err)", file: file, line: line)
        XCTAssertTrue(t.out.hasPrefix("PING "), "iputils printed \(t.out) \(t.err)", file: file, line: line)
    }

    func testDatagramSocket() throws {
        for args in [["-c", "3", "-i", "0.2", "10.81.0.2"], ["-q", "-c", "2", "-i", "0.2", "10.81.0.2"],
                     ["-c", "2", "-i", "0.2", "-s", "100", "10.81.0.2"], ["-c", "2", "-i", "0.2", "-s", "8", "10.81.0.2"],
                     ["-6", "-c", "2", "-i", "0.2", "fd81::2"], ["-c", "1", "localhost"], ["-c", "2", "-i", "0.2", "-w", "3", "10.81.0.1"]] {
            try assertSame(args, .datagramOnly, code: 0)
        }
    }

    func testRawSocket() throws {
        for args in [["-c", "3", "-i", "0.2", "10.81.0.2"], ["-6", "-c", "2", "-i", "0.2", "fd81::2"], ["-c", "2", "-i", "0.2", "-s", "8", "10.81.0.2"]] {
            try assertSame(args, .rawOnly, code: 0)
        }
        try assertSame(["-c", "2", "-i", "0.2", "10.83.0.1"], .rawOnly, code: 1, retries: 3)
    }

    /// No reply: requests blackholed in B (timeout: -W after the last
    /// request, -w overall) and an ICMP error from B.
    func testNoReply() throws {
        try assertSame(["-c", "2", "-i", "0.2", "-W", "1", "10.82.0.1"], .datagramOnly, code: 1)
        try assertSame(["-c", "3", "-i", "0.3", "-w", "1", "10.82.0.1"], .root, code: 1)
        try assertSame(["-c", "2", "-i", "0.2", "10.83.0.1"], .datagramOnly, code: 1, retries: 3)
        try assertSame(["-6", "-c", "1", "-W", "1", "fd81::99"], .root, code: 1)
    }

    func testNeitherSocket() throws {
        let t = try theirs(["-c", "1", "10.81.0.2"], .neither), o = try ours(["-c", "1", "10.81.0.2"], .neither)
        XCTAssertEqual(t.code, 2, t.err)
        XCTAssertEqual(o.code, 2, o.err)
        XCTAssertEqual(o.out, "")
        XCTAssertTrue(t.err.contains("Operation not permitted"), t.err)
        let lines = o.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, o.err)
        XCTAssertTrue(o.err.hasPrefix("ping: socket: Operation not permitted: "), o.err)
        XCTAssertTrue(o.err.contains("ping_group_range (0 0)") && o.err.contains("gid 65534") && o.err.contains("CAP_NET_RAW"), o.err)
    }

    func testErrors() throws {
        let t = try theirs(["-c", "1", "nosuchhost.invalid"], .root), o = try ours(["-c", "1", "nosuchhost.invalid"], .root)
        XCTAssertEqual(o.err, t.err)
        XCTAssertEqual(o.code, 2)
        XCTAssertEqual(t.code, 2)
        let u = try ours(["-c", "x", "10.81.0.2"], .root)
        XCTAssertEqual(u.code, 2)
        XCTAssertTrue(u.err.contains("invalid count"), u.err)
    }

    /// --pid: from B's namespace (its name is irrelevant: the holder
    /// process is the target), compared with iputils under nsenter.
    func testPidNamespace() throws {
        let pid = try XCTUnwrap(Self.holder).processIdentifier
        let target = Self.run("pgrep -P \(pid) sleep || echo \(pid)").out.split(separator: "\n").first.map(String.init) ?? "\(pid)"
        let args = ["-c", "2", "-i", "0.2", "10.81.0.1"]
        let t = try runProcess("/usr/bin/nsenter", ["--net=/proc/\(target)/ns/net", Self.peerPing] + args, environment: env)
        let o = try runProcess(try toolboxBinary(), ["ping", "--pid", target] + args, environment: env)
        XCTAssertEqual(Self.masked(o.out), Self.masked(t.out))
        XCTAssertEqual(o.code, 0, o.err)
        XCTAssertEqual(t.code, 0, t.err)
        XCTAssertTrue(t.out.contains("2 received"), t.out)
    }
}
