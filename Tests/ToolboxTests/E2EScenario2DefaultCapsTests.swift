import Foundation
import XCTest

/// Scenario 2, podman's default capability set (no SYS_PTRACE, like
/// CRI-O's and containerd's defaults): root in the debug container may not
/// open /proc/1/root of the uid-1000 app directly, but holds cap_setuid and
/// cap_setgid, so toolbox borrows the app's identity in a short-lived child
/// and the same ls/cat work. `caps` says so in plain words.
final class E2EScenario2DefaultCapsTests: E2ETestCase {
    override class var scenarioName: String { "s2" }
    override class func start(_ e: E2E, _ s: Scenario) throws { try e.startApp(s) }

    private func opts() throws -> [String] { try e.joinApp(s) }

    func testCapsExplainsTheDefaultSet() throws {
        let out = ok(try tb(try opts(), ["caps"]), "caps")
        let l = lines(out)
        let eff = l.first { $0.hasPrefix("  CapEff:") } ?? ""
        XCTAssertFalse(eff.contains("cap_sys_ptrace"), out)
        XCTAssertTrue(eff.contains("cap_setuid") && eff.contains("cap_setgid"), out)
        for want in [
            "What this means when debugging another container's process:",
            "  [no ] /proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are not readable directly: no cap_sys_ptrace; only processes of uid 0 are",
            "  [yes] toolbox can still open them by taking the target's uid and gid in a short-lived child (cap_setuid and cap_setgid are effective); this process keeps its own identity",
            "  [yes] files are readable whatever their permissions (cap_dac_override)",
            "  [yes] the identity can be changed (cap_setuid and cap_setgid)",
        ] {
            XCTAssertTrue(l.contains(want), "missing line:\n\(want)\nin:\n\(out)")
        }
    }

    /// `caps 1` shows the app's own sets: uid 1000, nothing effective.
    func testCapsOfTheAppProcess() throws {
        let out = ok(try tb(try opts(), ["caps", "1"]), "caps 1")
        let l = lines(out)
        XCTAssertTrue(l.contains { $0.hasPrefix("  uid:        1000") }, out)
        XCTAssertTrue(l.contains("  CapEff:     0x0000000000000000="), out)
    }

    func testLsWorksByBorrowedIdentity() throws {
        let out = ok(try tb(try opts(), ["ls", "-ln", "/proc/1/root/app"]), "ls -ln")
        let want = try hostLs("-ln", "/app")
        XCTAssertEqual(want.code, 0, want.err)
        XCTAssertEqual(out, want.out)
    }

    func testCatThroughAbsoluteSymlinkByBorrowedIdentity() throws {
        let r = try tb(try opts(), ["cat", "/proc/1/root/etc/ssl/cert.pem"])
        ok(r, "cat through the symlink")
        XCTAssertEqual(r.out, AppFiles.caPEM, r.outString)
    }

    /// The borrowed identity only opens the root; reading happens as root
    /// (cap_dac_override), so the app's root-only file is readable too.
    func testRootOnlyFileStillReadableByRoot() throws {
        let r = try tb(try opts(), ["cat", "/proc/1/root/app/secret.key"])
        ok(r, "cat secret.key")
        XCTAssertEqual(r.out, AppFiles.secret)
    }

    /// ps reads /etc/passwd through the app's root the same way.
    func testPsNamesTheAppUserFromItsOwnPasswd() throws {
        let out = ok(try tb(try opts(), ["ps", "-ef"]), "ps -ef")
        let app = psRow(out, pid: "1")
        XCTAssertEqual(app?[0], "app", out)
        XCTAssertEqual(app.map { Array($0.dropFirst(7)) }, AppFiles.serverArgs, out)
    }

    /// netstat -p reads the app's /proc/1/fd in the borrowed child too.
    func testNetstatTlnpNamesTheAppByBorrowedIdentity() throws {
        let out = ok(try tb(try opts(), ["netstat", "-tlnp"]), "netstat -tlnp")
        XCTAssertTrue(lines(out).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN", "1/server"]), out)
    }

    func testNetstatTlnLikeNetTools() throws {
        let out = ok(try tb(try opts(), ["netstat", "-tln"]), "netstat -tln")
        let want = try hostNetstat("-tln")
        XCTAssertEqual(out, want.out)
    }
}
