import Foundation
import XCTest

/// `toolbox ip` against Debian's iproute2 `ip` on namespaces the test builds:
///   namespace A  tbxipa<pid> (named):  veth tbipa<pid> 10.78.0.1/24 fd78::1/64 (+ a secondary
///                10.78.0.9/24 with a label, a peer address 10.79.0.1 peer 10.79.0.2/32),
///                a second veth pair tbipc<pid>/tbipd<pid> inside A (c up, d down: NO-CARRIER,
///                M-DOWN, @peer names; d is a port of the bridge tbipe<pid>, down), routes (via, blackhole, unreachable, metric/proto,
///                table 100, IPv6 via), permanent neighbours (v4, v6), rules (from, to, fwmark/mask,
///                not, IPv6).
///   namespace B  the veth peer 10.78.0.2/24 fd78::2/64; its /run/netns name is removed after a
///                holder process (sleep) entered it, so iproute2 prints `link-netnsid N` as we do.
/// Text output is compared byte for byte (LC_ALL=C), `-j` as parsed JSON; exit codes and stderr
/// too. `-s` counters can move between the two runs (IPv6 multicast reports on the veth), so a
/// statistics form is retried up to 3 times before it fails; nothing else is normalised.
final class IpLiveTests: XCTestCase {
    static let id = ProcessInfo.processInfo.processIdentifier
    static let nsA = "tbxipa\(id)", nsB = "tbxipb\(id)"
    static let a = "tbipa\(id)", b = "tbipb\(id)", c = "tbipc\(id)", d = "tbipd\(id)", e = "tbipe\(id)"
    nonisolated(unsafe) static var holder: Process? = nil
    nonisolated(unsafe) static var setupError: String? = nil

    @discardableResult
    static func run(_ cmd: String) -> RunResult { (try? sh(cmd)) ?? RunResult(out: "", err: "sh failed", code: -1) }

    static func cleanup() {
        if let h = holder, h.isRunning { h.terminate(); h.waitUntilExit() }
        holder = nil
        run("ip netns del \(nsA) 2>/dev/null; ip netns del \(nsB) 2>/dev/null")
    }

    override class func setUp() {
        super.setUp()
        cleanup()
        for tool in ["ip", "nsenter", "sleep"] where (try? sh("command -v \(tool)"))?.code != 0 {
            setupError = "\(tool) is not installed (scripts/deps/net-ip.txt)"; return
        }
        let A = "ip -n \(nsA)", B = "ip -n \(nsB)"
        let steps = [
            "ip netns add \(nsA)", "ip netns add \(nsB)",
            "ip link add \(a) type veth peer name \(b)", "ip link set \(a) netns \(nsA)", "ip link set \(b) netns \(nsB)",
            "\(A) link add \(c) type veth peer name \(d)",
            "\(A) link add \(e) type bridge", "\(A) link set \(d) master \(e)",
            "\(A) link set lo up", "\(A) link set \(a) up", "\(A) link set \(c) up",
            "\(A) addr add 10.78.0.1/24 dev \(a)", "\(A) addr add 10.78.0.9/24 dev \(a) label \(a):sec",
            "\(A) addr add fd78::1/64 dev \(a) nodad", "\(A) addr add 10.79.0.1 peer 10.79.0.2/32 dev \(a)",
            "\(B) link set lo up", "\(B) link set \(b) up", "\(B) addr add 10.78.0.2/24 dev \(b)", "\(B) addr add fd78::2/64 dev \(b) nodad",
            "\(A) route add 10.99.0.0/16 via 10.78.0.2", "\(A) route add blackhole 10.98.0.0/16",
            "\(A) route add unreachable 10.97.0.0/16", "\(A) route add 10.96.0.0/16 via 10.78.0.2 metric 50 proto static",
            "\(A) route add 10.95.0.0/16 dev \(a) table 100", "\(A) -6 route add fd99::/64 via fd78::2",
            "\(A) neigh add 10.78.0.5 lladdr 02:00:00:00:00:05 dev \(a)", "\(A) neigh add fd78::5 lladdr 02:00:00:00:00:06 dev \(a)",
            "\(A) rule add from 10.78.0.0/24 table 100 pref 1000", "\(A) rule add to 10.99.0.0/16 lookup main pref 1001",
            "\(A) rule add fwmark 0x10/0xff lookup 100 pref 1002", "\(A) rule add not from 10.1.0.0/16 table 100 pref 1004",
            "\(A) -6 rule add from fd78::/64 table 100 pref 1003",
        ]
        for s in steps {
            let r = run(s)
            if r.code != 0 { setupError = "\(s): \(r.err)"; return }
        }
        // Hold B with a process, then drop its name.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", nsB, "sleep", "600"]
        do { try p.run() } catch { setupError = "holder: \(error)"; return }
        holder = p
        for _ in 0..<50 {
            if let t = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/comm", encoding: .utf8), t.hasPrefix("sleep") { break }
            usleep(20_000)
        }
        run("ip netns del \(nsB)")
        // Let the veth pair come up (carrier), so the states are stable.
        for _ in 0..<50 {
            if run("ip -n \(nsA) -br link show dev \(a)").out.contains(" UP ") { break }
            usleep(100_000)
        }
        // ... and let duplicate address detection finish on the link-local
        // addresses: a `tentative` flag that clears between the two runs
        // made `ip -6 addr` differ (once in CI).
        for _ in 0..<100 {
            if !run("ip -n \(nsA) -6 addr").out.contains("tentative") { break }
            usleep(100_000)
        }
    }

    override class func tearDown() {
        cleanup()
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("ip lab: \(e)"); throw NSError(domain: "ip", code: 1) }
    }

    let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
    func theirs(_ args: [String]) throws -> RunResult { try runProcess("/usr/sbin/ip", ["-n", Self.nsA] + args, environment: env) }
    func ours(_ args: [String]) throws -> RunResult { try runProcess(try toolboxBinary(), ["ip", "-n", Self.nsA] + args, environment: env) }

    /// Text forms: stdout, stderr and exit status identical.
    func assertSame(_ args: [String], retries: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        var t = try theirs(args), o = try ours(args)
        var left = retries - 1
        while o != t && left > 0 { usleep(300_000); t = try theirs(args); o = try ours(args); left -= 1 }
        XCTAssertEqual(o.out, t.out, "ip \(args.joined(separator: " "))", file: file, line: line)
        XCTAssertEqual(o.err, t.err, "stderr of ip \(args.joined(separator: " "))", file: file, line: line)
        XCTAssertEqual(o.code, t.code, "exit of ip \(args.joined(separator: " "))", file: file, line: line)
        XCTAssertFalse(t.out.isEmpty && t.err.isEmpty, "iproute2 printed nothing for \(args)", file: file, line: line)
    }

    /// `-j` forms: the same JSON value (parsed: key order and spacing aside).
    func assertSameJSON(_ args: [String], retries: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        func parsed(_ r: RunResult) -> NSObject? {
            (try? JSONSerialization.jsonObject(with: Data(r.out.utf8), options: [.fragmentsAllowed])) as? NSObject
        }
        var left = retries
        while true {
            let t = try theirs(["-j"] + args), o = try ours(["-j"] + args)
            XCTAssertEqual(o.code, t.code, file: file, line: line)
            guard let tj = parsed(t) else { XCTFail("iproute2 -j \(args): not JSON: \(t.out)", file: file, line: line); return }
            guard let oj = parsed(o) else { XCTFail("toolbox -j \(args): not JSON: \(o.out) \(o.err)", file: file, line: line); return }
            left -= 1
            if oj == tj { return }
            if left <= 0 { XCTAssertEqual(oj, tj, "ip -j \(args.joined(separator: " "))\nours:   \(o.out)\ntheirs: \(t.out)", file: file, line: line); return }
            usleep(300_000)
        }
    }

    func testAddressAndLinkForms() throws {
        for args in [["addr"], ["a"], ["address", "show"], ["addr", "show", "dev", Self.a], ["addr", "show", Self.c],
                     ["-4", "addr"], ["-6", "addr"], ["-br", "addr"], ["-br", "-4", "addr"], ["-br", "link"],
                     ["-o", "addr"], ["-o", "link"], ["link"], ["link", "show", "dev", Self.c], ["l", "show", Self.d],
                     ["-family", "inet6", "a"], ["--brief", "address"], ["-0", "addr"]] {
            try assertSame(args)
        }
    }

    func testStatistics() throws {
        for args in [["-s", "link"], ["-s", "addr"], ["-s", "link", "show", "dev", "lo"], ["-s", "-o", "link"]] {
            try assertSame(args, retries: 3)
        }
        try assertSameJSON(["-s", "link"], retries: 3)
    }

    /// -s -s: the RX/TX error lines (text and JSON).
    func testStatisticsTwice() throws {
        for args in [["-s", "-s", "link"], ["-s", "-s", "link", "show", "dev", "lo"], ["-s", "-s", "addr", "show", "dev", Self.a],
                     ["-s", "-s", "-o", "link", "show", "dev", "lo"]] {
            try assertSame(args, retries: 3)
        }
        try assertSameJSON(["-s", "-s", "link"], retries: 3)
        XCTAssertTrue(try ours(["-s", "-s", "link", "show", "dev", "lo"]).out.contains("    TX errors: aborted   fifo  window heartbt transns\n"))
    }

    /// -d on loopback and veth: byte-identical. A bridge and its port: the
    /// same except the bridge's own data (timers, ids, multicast settings),
    /// which toolbox does not decode (docs/net.md): iproute2's is cut out
    /// of its line before comparing.
    func testDetails() throws {
        for args in [["-d", "link", "show", "dev", "lo"], ["-d", "link", "show", "dev", Self.a], ["-d", "link", "show", "dev", Self.c],
                     ["-d", "addr", "show", "dev", Self.a], ["-d", "-o", "link", "show", "dev", "lo"], ["-d", "-br", "link"]] {
            try assertSame(args)
        }
        for args in [["-d", "link", "show", "dev", "lo"], ["-d", "link", "show", "dev", Self.c]] { try assertSameJSON(args) }
        let lo = try ours(["-d", "link", "show", "dev", "lo"]).out
        XCTAssertTrue(lo.contains(" promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 "), lo)
        for dev in [Self.d, Self.e] {
            let t = try theirs(["-d", "link", "show", "dev", dev]), o = try ours(["-d", "link", "show", "dev", dev])
            let cut = t.out.replacingOccurrences(of: "(    bridge(_slave)? )[^\n]*?(addrgenmode )", with: "$1$3", options: .regularExpression)
            XCTAssertNotEqual(cut, t.out, "no bridge data in iproute2's output:\n\(t.out)")
            XCTAssertEqual(o.out, cut, "ip -d link show dev \(dev)")
            XCTAssertEqual(o.code, 0)
        }
        let port = try ours(["-d", "link", "show", "dev", Self.d]).out
        XCTAssertTrue(port.contains("\n    veth \n    bridge_slave addrgenmode eui64 "), port)
    }

    func testRouteForms() throws {
        for args in [["route"], ["r"], ["route", "show"], ["-6", "route"], ["route", "show", "table", "100"],
                     ["route", "show", "table", "all"], ["-6", "route", "show", "table", "local"], ["-o", "route"],
                     ["route", "get", "10.99.1.1"], ["route", "get", "10.78.0.1"], ["route", "get", "10.78.0.2"],
                     ["-6", "route", "get", "fd99::1"], ["route", "get", "fd78::2"], ["-N", "route"],
                     ["route", "get", "10.98.1.1"], ["route", "get", "10.97.1.1"], ["route", "get", "192.0.2.1"]] {
            try assertSame(args)
        }
    }

    func testNeighbourAndRuleForms() throws {
        for args in [["neigh"], ["n"], ["-4", "neigh"], ["-6", "neigh"], ["neigh", "show", "dev", Self.a], ["-br", "neigh"],
                     ["rule"], ["-6", "rule"], ["rule", "show"], ["ru"]] {
            try assertSame(args)
        }
    }

    func testJSONForms() throws {
        for args in [["addr"], ["link"], ["-br", "addr"], ["-br", "link"], ["-6", "addr"], ["route"], ["-6", "route"],
                     ["route", "show", "table", "all"], ["route", "get", "10.99.1.1"], ["route", "get", "10.78.0.1"],
                     ["neigh"], ["rule"], ["-6", "rule"]] {
            try assertSameJSON(args)
        }
    }

    func testErrors() throws {
        try assertSame(["addr", "show", "dev", "nosuchdev"])
        try assertSame(["link", "show", "dev", "nosuchdev"])
    }

    /// --pid: B (no name left) through a process inside it, compared with
    /// iproute2 run by nsenter in the same namespace.
    func testPidNamespace() throws {
        let pid = try XCTUnwrap(Self.holder).processIdentifier
        // ip netns exec forks sleep as its child or execs it: find the process in B.
        let target = Self.run("pgrep -P \(pid) sleep || echo \(pid)").out.split(separator: "\n").first.map(String.init) ?? "\(pid)"
        // Not `ip addr` in full: from B, iproute2 names the peer namespace A
        // (`link-netns NAME`, from /run/netns), which toolbox never does (docs/ip.md).
        for args in [["-br", "addr"], ["route"], ["-j", "link"], ["-s", "link", "show", "dev", "lo"]] {
            let t = try runProcess("/usr/bin/nsenter", ["--net=/proc/\(target)/ns/net", "ip"] + args, environment: env)
            let o = try runProcess(try toolboxBinary(), ["ip", "--pid", target] + args, environment: env)
            XCTAssertEqual(o, t, "--pid \(target) \(args)")
            XCTAssertTrue(t.out.contains(args.contains("addr") ? "10.78.0.2/24" : args[0] == "route" ? "10.78.0.0/24" : "lo"))
        }
    }

    /// Commands that would change the network are refused (exit 2) and change nothing.
    func testReadOnly() throws {
        let before = try theirs(["addr"]).out + (try theirs(["route"]).out)
        for args in [["addr", "add", "10.1.2.3/32", "dev", "lo"], ["link", "set", Self.d, "up"], ["route", "add", "10.5.0.0/16", "dev", "lo"],
                     ["route", "del", "10.99.0.0/16"], ["neigh", "flush", "all"], ["rule", "add", "pref", "5", "table", "5"], ["a", "del", "10.78.0.1/24", "dev", Self.a]] {
            let o = try ours(args)
            XCTAssertEqual(o.code, 2, "\(args): \(o.err)")
            XCTAssertTrue(o.err.contains("read-only"), o.err)
            XCTAssertEqual(o.out, "")
        }
        let after = try theirs(["addr"]).out + (try theirs(["route"]).out)
        XCTAssertEqual(before, after)
        let bad = try ours(["frobnicate"])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.err.contains("Object \"frobnicate\" is unknown"), bad.err)
    }
}
