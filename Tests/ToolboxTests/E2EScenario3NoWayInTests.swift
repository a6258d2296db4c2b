import Foundation
import XCTest

/// Scenario 3, no way in: `--cap-drop SETUID,SETGID` on top of podman's
/// defaults (no SYS_PTRACE). The app's root cannot be opened at all, and
/// toolbox says why and what would fix it (exit 1); ps and netstat -tln,
/// which need no access to the root, still work.
final class E2EScenario3NoWayInTests: E2ETestCase {
    override class var scenarioName: String { "s3" }
    override class func start(_ e: E2E, _ s: Scenario) throws { try e.startApp(s) }

    private func opts() throws -> [String] { try e.joinApp(s) + ["--cap-drop", "SETUID,SETGID"] }

    func testLsFailsWithTheExplanation() throws {
        let r = try tb(try opts(), ["ls", "/proc/1/root"])
        XCTAssertEqual(r.code, 1, r.err)
        XCTAssertEqual(r.outString, "")
        let l = lines(r.err)
        XCTAssertEqual(l.count, 1, r.err)
        let msg = l.first ?? ""
        XCTAssertTrue(msg.hasPrefix("ls: /proc/1/root: permission denied: process 1 runs as uid 1000"), msg)
        for part in ["cap_sys_ptrace", "cap_setuid", "SYS_PTRACE", "uid 1000"] {
            XCTAssertTrue(msg.contains(part), "'\(part)' missing in: \(msg)")
        }
    }

    func testCatFailsWithTheExplanation() throws {
        let r = try tb(try opts(), ["cat", "/proc/1/root/app/config"])
        XCTAssertEqual(r.code, 1, r.err)
        XCTAssertEqual(r.outString, "")
        XCTAssertTrue(r.err.hasPrefix("cat: /proc/1/root"), r.err)
        XCTAssertTrue(r.err.contains("permission denied: process 1 runs as uid 1000"), r.err)
    }

    /// ps needs no access to the root: the app is there as PID 1 with its
    /// command line; its passwd is out of reach, so the uid is a number.
    func testPsStillWorks() throws {
        let out = ok(try tb(try opts(), ["ps", "-ef"]), "ps -ef")
        let app = psRow(out, pid: "1")
        XCTAssertEqual(app?[0], "1000", out)
        XCTAssertEqual(app.map { Array($0.dropFirst(7)) }, AppFiles.serverArgs, out)
    }

    func testNetstatTlnStillWorks() throws {
        let out = ok(try tb(try opts(), ["netstat", "-tln"]), "netstat -tln")
        let want = try hostNetstat("-tln")
        XCTAssertEqual(want.code, 0, want.err)
        XCTAssertEqual(out, want.out)
        XCTAssertTrue(lines(out).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN"]), out)
    }

    /// The owner of the socket cannot be read: `-`, and one line on stderr
    /// saying why.
    func testNetstatTlnpSaysWhyTheOwnerIsMissing() throws {
        let r = try tb(try opts(), ["netstat", "-tlnp"])
        XCTAssertTrue(lines(r.outString).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN", "-"]), r.outString)
        let err = lines(r.err)
        XCTAssertEqual(err.count, 1, r.err)
        XCTAssertTrue(err.first?.hasPrefix("netstat: ") ?? false, r.err)
        XCTAssertTrue(r.err.contains("cap_sys_ptrace"), r.err)
    }

    func testCapsSaysThereIsNoWayIn() throws {
        let out = ok(try tb(try opts(), ["caps"]), "caps")
        let l = lines(out)
        for want in [
            "  [no ] /proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are not readable: no cap_sys_ptrace, and no cap_setuid/cap_setgid to borrow the target's uid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as the target's uid",
            "  [no ] the identity cannot be changed (no cap_setuid, no cap_setgid)",
        ] {
            XCTAssertTrue(l.contains(want), "missing line:\n\(want)\nin:\n\(out)")
        }
    }
}
