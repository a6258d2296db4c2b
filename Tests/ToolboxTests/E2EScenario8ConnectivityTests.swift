import Foundation
import XCTest

/// Scenario 8, the connectivity session (issue 14): "can the app resolve
/// its peer, reach its port, what does its endpoint answer?", asked from a
/// debug container that joins the app's network and PID namespaces
/// (`kubectl debug --target --profile=general`: SYS_PTRACE added).
///
/// The app container has its own resolv.conf, cluster-like (search list,
/// `ndots:5`, nameserver 10.88.14.53); a dnsmasq started by the test on
/// the host inside the app's network namespace answers for
/// `app.e2e.svc.cluster.local` (10.88.14.2, added to the app's loopback with
/// the nameserver's address). The debug container gets a different
/// resolv.conf (a nameserver nobody answers on, no search list): with
/// `--pid 1` the probes resolve as the app does, through /proc/1/root.
/// Outputs are compared with bind's dig, netcat-openbsd and curl run on the
/// host in the same network namespace (nsenter -n).
final class E2EScenario8ConnectivityTests: E2ETestCase {
    override class var scenarioName: String { "s8" }
    static let appAddress = "10.88.14.2"
    static let dnsAddress = "10.88.14.53"
    static let appName = "app.e2e.svc.cluster.local"
    static let appResolvConf = """
        search e2e.svc.cluster.local svc.cluster.local cluster.local
        nameserver 10.88.14.53
        options ndots:5

        """
    static let debugResolvConf = "nameserver 10.88.14.54\n"

    override class func start(_ e: E2E, _ s: Scenario) throws {
        let conf = e.work.appendingPathComponent("s8-app-resolv.conf")
        try appResolvConf.write(to: conf, atomically: true, encoding: .utf8)
        try e.startApp(s, options: ["-v", "\(conf.path):/etc/resolv.conf:ro"])
        let pid = s["appPid"]
        for addr in [appAddress, dnsAddress] {
            let r = try runRaw("nsenter", ["-t", pid, "-n", "ip", "addr", "add", addr + "/32", "dev", "lo"])
            guard r.code == 0 else { throw E2EError("ip addr add \(addr) in the app's namespace failed (exit \(r.code)): \(r.err)") }
        }
        let dnsConf = e.work.appendingPathComponent("s8-dnsmasq.conf")
        try """
            no-resolv
            no-hosts
            bind-interfaces
            listen-address=\(dnsAddress)
            local=/cluster.local/
            host-record=\(appName),\(appAddress)

            """.write(to: dnsConf, atomically: true, encoding: .utf8)
        let pidFile = e.work.appendingPathComponent("s8-dnsmasq.pid").path
        s.pidFiles.append(pidFile)
        let d = try runRaw("nsenter", ["-t", pid, "-n", "dnsmasq", "-C", dnsConf.path, "--pid-file=\(pidFile)"])
        guard d.code == 0 else { throw E2EError("dnsmasq in the app's namespace failed (exit \(d.code)): \(d.err)") }
        let debugConf = e.work.appendingPathComponent("s8-debug-resolv.conf")
        try debugResolvConf.write(to: debugConf, atomically: true, encoding: .utf8)
        s.values["debugConf"] = debugConf.path
    }

    /// The debug container: the app's PID and network namespaces, SYS_PTRACE,
    /// and its own resolv.conf that differs from the app's.
    private func opts() throws -> [String] {
        try e.joinApp(s) + ["--cap-add", "SYS_PTRACE", "-v", "\(s["debugConf"]):/etc/resolv.conf:ro"]
    }

    /// A peer tool run on the host in the app's network namespace.
    private func inAppNet(_ tool: String, _ args: [String]) throws -> RawResult {
        try runRaw("/usr/bin/env", ["LC_ALL=C", "nsenter", "-t", s["appPid"], "-n", tool] + args)
    }

    func testDigResolvesTheAppsNameWithTheAppsResolvConf() throws {
        // The search list and ndots:5 of the app's resolv.conf turn "app" into its FQDN.
        let short = try tb(try opts(), ["dig", "--pid", "1", "+search", "+short", "app"])
        XCTAssertEqual(ok(short, "dig --pid 1 +search +short app"), Self.appAddress + "\n")
        // The answer section as bind's dig prints it, asking the same server.
        let mine = try tb(try opts(), ["dig", "--pid", "1", "+noall", "+answer", Self.appName])
        let bind = try inAppNet("dig", ["@" + Self.dnsAddress, "+noall", "+answer", Self.appName])
        XCTAssertEqual(bind.code, 0, bind.err)
        XCTAssertEqual(ok(mine, "dig --pid 1 +noall +answer"), bind.outString)
        XCTAssertEqual(lines(bind.outString).map(fields), [[Self.appName + ".", "0", "IN", "A", Self.appAddress]], bind.outString)
    }

    /// Without --pid the debug container's own resolv.conf is used: its
    /// nameserver (no route in the app's namespace) never answers, so the
    /// app's name is not found there.
    func testWithoutPidTheDebugContainersResolvConfIsUsed() throws {
        let r = try tb(try opts(), ["dig", "+search", "+short", "+time=1", "+tries=1", "app"])
        XCTAssertNotEqual(r.code, 0, "dig fails when no server answers: \(r.err)\(r.outString)")
        XCTAssertFalse(r.outString.contains(Self.appAddress), r.outString)
    }

    func testNcReachesTheAppsPortByName() throws {
        let r = try tb(try opts(), ["nc", "--pid", "1", "-zv", "app", "8080"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.outString, "")
        // The app has no /etc/services: no service name, as netcat in the app would print.
        XCTAssertEqual(r.err, "Connection to app (\(Self.appAddress)) 8080 port [tcp/*] succeeded!\n")
    }

    /// Open and closed ports, byte-identical to netcat-openbsd in the same namespace.
    func testNcScanMatchesNetcatOpenbsd() throws {
        let mine = try tb(try opts(), ["nc", "--pid", "1", "-zvn", Self.appAddress, "8079-8081"])
        let peer = try inAppNet("nc", ["-zvn", Self.appAddress, "8079-8081"])
        XCTAssertEqual(mine.err, peer.err)
        XCTAssertEqual(mine.code, peer.code)
        XCTAssertEqual(mine.outString, peer.outString)
        XCTAssertEqual(lines(peer.err), [
            "nc: connect to \(Self.appAddress) port 8079 (tcp) failed: Connection refused",
            "Connection to \(Self.appAddress) 8080 port [tcp/*] succeeded!",
            "nc: connect to \(Self.appAddress) port 8081 (tcp) failed: Connection refused",
        ], peer.err)
        XCTAssertEqual(peer.code, 0)
    }

    func testCurlFetchesTheAppsEndpointByName() throws {
        let body = try tb(try opts(), ["curl", "--pid", "1", "-sS", "http://app:8080/"])
        XCTAssertEqual(body.code, 0, body.err)
        XCTAssertEqual(body.err, "")
        XCTAssertEqual(body.out, AppFiles.config)
        let code = try tb(try opts(), ["curl", "--pid", "1", "-s", "-o", "/dev/null", "-w", "%{http_code} %{remote_ip}\\n", "http://app:8080/healthz"])
        XCTAssertEqual(ok(code, "curl -w"), "200 \(Self.appAddress)\n")
    }

    /// `curl -si` of the same URL: byte-identical to curl on the host in the app's namespace.
    func testCurlIncludeMatchesCurl() throws {
        let url = "http://\(Self.appAddress):8080/"
        let mine = try tb(try opts(), ["curl", "--pid", "1", "-si", url])
        let peer = try inAppNet("curl", ["-si", url])
        XCTAssertEqual(peer.code, 0, peer.err)
        XCTAssertEqual(mine.code, 0, mine.err)
        XCTAssertEqual(mine.out, peer.out)
        XCTAssertTrue(peer.outString.hasPrefix("HTTP/1.0 200 OK\r\n"), peer.outString)
    }
}
