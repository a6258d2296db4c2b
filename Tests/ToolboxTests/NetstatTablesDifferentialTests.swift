import Foundation
import XCTest

/// netstat -r, -i, -g, -s and -c (issue 15) against net-tools netstat in a
/// network namespace this test makes (`ip netns`), with its own interfaces
/// (a veth pair), IPv4 and IPv6 addresses and routes (gateway, host,
/// unreachable, metrics). Each mode is compared three ways: net-tools and
/// toolbox inside the namespace (ip netns exec), and toolbox from outside
/// with --pid of a process in it. LC_ALL=C.
final class NetstatTablesDifferentialTests: XCTestCase {
    nonisolated(unsafe) static var ns = ""
    nonisolated(unsafe) static var sleeper: Process?
    nonisolated(unsafe) static var setupError: String?
    static let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]

    override class func setUp() {
        ns = "tbxnt\(getpid())"
        do {
            let ip = try which("ip")
            let steps: [[String]] = [
                ["netns", "add", ns],
                ["-n", ns, "link", "set", "lo", "up"],
                ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                ["-n", ns, "link", "add", "v10", "type", "veth", "peer", "name", "v2"],
                ["-n", ns, "link", "set", "v0", "up"],
                ["-n", ns, "link", "set", "v10", "up"],
                ["-n", ns, "link", "set", "v2", "up"],
                ["-n", ns, "link", "set", "v10", "mtu", "1280"],
                ["-n", ns, "addr", "add", "10.77.0.1/24", "dev", "v0"],
                ["-n", ns, "addr", "add", "10.78.0.1/16", "dev", "v10"],
                ["-n", ns, "route", "add", "10.88.0.0/16", "via", "10.77.0.254"],
                ["-n", ns, "route", "add", "unreachable", "10.99.0.0/16"],
                ["-n", ns, "route", "add", "10.66.1.1", "dev", "v0", "metric", "7"],
                ["-n", ns, "route", "add", "default", "via", "10.77.0.253"],
                ["-n", ns, "-6", "addr", "add", "fd11::1/64", "dev", "v0", "nodad"],
                ["-n", ns, "-6", "route", "add", "fd22::/48", "via", "fd11::fe"],
                ["-n", ns, "-6", "route", "add", "2001:db8:1::/64", "dev", "v10", "metric", "5"],
            ]
            for s in steps {
                let r = try runProcess(ip, s)
                if r.code != 0 { throw CocoaError(.featureUnsupported, userInfo: [NSDebugDescriptionErrorKey: "ip \(s.joined(separator: " ")): \(r.err)"]) }
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ip)
            p.arguments = ["netns", "exec", ns, "/bin/sleep", "1000"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            sleeper = p
            // Let the interfaces' start-up traffic (MLD, router solicits) settle.
            usleep(300_000)
        } catch { setupError = "\(error)" }
    }

    override class func tearDown() {
        if let p = sleeper { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        _ = try? runProcess(try which("ip"), ["netns", "delete", ns])
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("setup: \(e)"); throw CocoaError(.featureUnsupported) }
    }

    func inNamespace(_ exe: String, _ args: [String]) throws -> RunResult {
        try runProcess(try which("ip"), ["netns", "exec", Self.ns, exe] + args, environment: Self.env)
    }

    /// net-tools in the namespace, toolbox in it, toolbox from outside with --pid.
    /// Counters may tick between runs: up to three attempts.
    func same(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let pid = String(Self.sleeper!.processIdentifier)
        var last: (RunResult, RunResult, RunResult)?
        for attempt in 0..<3 {
            if attempt > 0 { usleep(500_000) }
            let want = try inNamespace(try which("netstat"), args)
            let inside = try inNamespace(try toolboxBinary(), ["netstat"] + args)
            let outside = try runProcess(try toolboxBinary(), ["netstat", "--pid", pid] + args, environment: Self.env)
            last = (want, inside, outside)
            if want == inside && want == outside { break }
        }
        let (want, inside, outside) = last!
        let what = "netstat \(args.joined(separator: " "))"
        XCTAssertEqual(inside.out, want.out, "\(what): stdout", file: file, line: line)
        XCTAssertEqual(inside.err, want.err, "\(what): stderr", file: file, line: line)
        XCTAssertEqual(inside.code, want.code, "\(what): exit", file: file, line: line)
        XCTAssertEqual(outside.out, want.out, "\(what) --pid: stdout", file: file, line: line)
        XCTAssertEqual(outside.code, want.code, "\(what) --pid: exit", file: file, line: line)
        XCTAssertFalse(want.out.isEmpty, what, file: file, line: line)
    }

    func testRoutes() throws {
        for a in [["-r"], ["-rn"], ["-re"], ["-ree"], ["-rn", "-e"], ["-rn", "-4"], ["-rn6"], ["-r6"], ["-rn", "-6", "-e"]] {
            try same(a)
        }
        let r = try inNamespace(try toolboxBinary(), ["netstat", "-rn"])
        XCTAssertTrue(r.out.contains("10.99.0.0       -               255.255.0.0     !         - -          - -\n"), r.out)
        XCTAssertTrue(r.out.contains("10.66.1.1       0.0.0.0         255.255.255.255 UH        0 0          0 v0\n"), r.out)
    }

    func testInterfaces() throws {
        try same(["-i"])
        try same(["-ia"])
        let r = try inNamespace(try toolboxBinary(), ["netstat", "-ia"])
        // Natural order (v2 before v10), down interfaces only with -a.
        let names = r.out.split(separator: "\n").dropFirst(2).map { String($0.prefix(while: { $0 != " " })) }
        XCTAssertEqual(names, ["lo", "v0", "v1", "v2", "v10"], r.out)
    }

    func testMulticastGroups() throws {
        try same(["-g"])
        try same(["-gn"])
        try same(["-g", "-4"])
        try same(["-g", "-6"])
    }

    func testStatistics() throws {
        // Some traffic so that counters and the ICMP histograms are non-zero.
        _ = try inNamespace(try which("ping"), ["-c", "2", "-i", "0.2", "-W", "1", "10.77.0.1"])
        _ = try inNamespace(try which("ping"), ["-c", "1", "-W", "1", "10.99.0.1"])
        try same(["-s"])
        try same(["-st"])
        try same(["-su"])
        try same(["-s", "-w"])
        try same(["-s6"])
        try same(["-s", "-6", "-u"])
    }

    /// -c repeats every second until interrupted.
    func testContinuous() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which("ip"))
        p.arguments = ["netns", "exec", Self.ns, try toolboxBinary(), "netstat", "-rn", "-c"]
        p.environment = Self.env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        usleep(2_500_000)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let once = try inNamespace(try which("netstat"), ["-rn"]).out
        XCTAssertTrue(out.hasPrefix(once + once), out)
        XCTAssertEqual(out.components(separatedBy: "Kernel IP routing table\n").count - 1, 3, out)
        let i = Process()
        i.executableURL = URL(fileURLWithPath: try which("ip"))
        i.arguments = ["netns", "exec", Self.ns, try toolboxBinary(), "netstat", "-i", "-c"]
        i.environment = Self.env
        let ipipe = Pipe()
        i.standardOutput = ipipe
        try i.run()
        usleep(1_500_000)
        kill(i.processIdentifier, SIGTERM)
        i.waitUntilExit()
        let iout = String(decoding: ipipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // net-tools prints the title once and the header every time.
        XCTAssertEqual(iout.components(separatedBy: "Kernel Interface table\n").count - 1, 1, iout)
        XCTAssertEqual(iout.components(separatedBy: "Iface             MTU").count - 1, 2, iout)
    }
}
