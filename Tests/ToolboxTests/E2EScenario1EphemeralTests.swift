import Foundation
import XCTest

/// Scenario 1, the ephemeral container (`kubectl debug --target=app
/// --profile=general`): toolbox runs in its own container that joins the
/// app's PID and network namespaces, with SYS_PTRACE added as the general
/// profile does. The app is a static server as uid 1000 on [::]:8080.
final class E2EScenario1EphemeralTests: E2ETestCase {
    override class var scenarioName: String { "s1" }
    override class func start(_ e: E2E, _ s: Scenario) throws { try e.startApp(s) }

    private func opts() throws -> [String] { try e.joinApp(s) + ["--cap-add", "SYS_PTRACE"] }

    func testPsEfShowsTheAppAsPid1WithItsUserAndCommandLine() throws {
        let out = ok(try tb(try opts(), ["ps", "-ef"]), "ps -ef")
        let rows = lines(out)
        XCTAssertEqual(rows.first.map(fields), ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], out)
        let app = psRow(out, pid: "1")
        XCTAssertEqual(app?[0], "app", "uid 1000 named from the app's own /etc/passwd:\n\(out)")
        XCTAssertEqual(app?[2], "0", out)
        XCTAssertEqual(app?[5], "?", out)
        XCTAssertEqual(app.map { Array($0.dropFirst(7)) }, AppFiles.serverArgs, out)
        // Only the app and this ps share the namespace.
        XCTAssertEqual(rows.count, 3, out)
        let me = rows.dropFirst().map(fields).first { $0.count > 1 && $0[1] != "1" }
        // ps itself runs as root in the toolbox image, named from the
        // image's own minimal /etc/passwd (root, nobody).
        XCTAssertEqual(me?[0], "root", out)
        XCTAssertEqual(me.map { Array($0.dropFirst(7)) }, ["/toolbox", "ps", "-ef"], out)
    }

    /// The article's bug: the app listens on :::8080, not 80. Same output as
    /// net-tools netstat in the app's network namespace.
    func testNetstatTlnShowsTheListenerLikeNetTools() throws {
        let out = ok(try tb(try opts(), ["netstat", "-tln"]), "netstat -tln")
        let want = try hostNetstat("-tln")
        XCTAssertEqual(want.code, 0, want.err)
        XCTAssertEqual(out, want.out)
        XCTAssertTrue(lines(out).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN"]), out)
    }

    func testNetstatTlnpNamesTheAppProcess() throws {
        let out = ok(try tb(try opts(), ["netstat", "-tlnp"]), "netstat -tlnp")
        XCTAssertTrue(lines(out).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN", "1/server"]), out)
    }

    /// `ls -ln` is byte-identical to GNU ls on the same directory; `ls -l`
    /// names owners from the app's /etc/passwd (uid 1000 is `app` there,
    /// whatever it is on the host or in the debug image).
    func testLsListsTheAppDirectory() throws {
        let numeric = ok(try tb(try opts(), ["ls", "-ln", "/proc/1/root/app"]), "ls -ln")
        let want = try hostLs("-ln", "/app")
        XCTAssertEqual(want.code, 0, want.err)
        XCTAssertEqual(numeric, want.out)

        let named = ok(try tb(try opts(), ["ls", "-l", "/proc/1/root/app"]), "ls -l")
        let names = ["0": "root", "1000": "app"]
        let expected = lines(want.out).map { line -> [String] in
            var f = fields(line)
            if f.count > 3 { f[2] = names[f[2]] ?? f[2]; f[3] = names[f[3]] ?? f[3] }
            return f
        }
        XCTAssertEqual(lines(named).map(fields), expected, named)
        let byName = Dictionary(lines(named).map(fields).filter { $0.count >= 9 }.map { ($0[8], $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName["server"].map { [$0[0], $0[2]] }, ["-rwxr-xr-x", "root"], named)
        XCTAssertEqual(byName["secret.key"].map { [$0[0], $0[2]] }, ["-rw-------", "root"], named)
        XCTAssertEqual(byName["data"].map { [$0[2], $0[3]] }, ["app", "app"], named)
    }

    /// /etc/ssl/cert.pem -> /etc/ssl/certs/ca.pem is absolute: it must
    /// resolve inside the app's root, not the debug container's (which has a
    /// decoy at that path).
    func testCatThroughAnAbsoluteSymlinkShowsTheAppsFile() throws {
        let decoy = try tb(try opts(), ["cat", "/etc/ssl/certs/ca.pem"])
        XCTAssertEqual(decoy.out, AppFiles.decoyCaPEM, "the decoy is in place in the debug container")
        let r = try tb(try opts(), ["cat", "/proc/1/root/etc/ssl/cert.pem"])
        ok(r, "cat through the symlink")
        XCTAssertEqual(r.out, AppFiles.caPEM, r.outString)
    }

    func testReadlinkShowsTheAbsoluteTarget() throws {
        XCTAssertEqual(ok(try tb(try opts(), ["readlink", "/proc/1/root/etc/ssl/cert.pem"]), "readlink"),
                       "/etc/ssl/certs/ca.pem\n")
    }

    func testCatConfigAndRootOnlyFile() throws {
        let c = try tb(try opts(), ["cat", "/proc/1/root/app/config"])
        ok(c, "cat config")
        XCTAssertEqual(c.out, AppFiles.config)
        let k = try tb(try opts(), ["cat", "/proc/1/root/app/secret.key"])
        ok(k, "cat secret.key")
        XCTAssertEqual(k.out, AppFiles.secret)
    }

    func testCapsSaysPtraceIsThere() throws {
        let out = ok(try tb(try opts(), ["caps"]), "caps")
        XCTAssertTrue(lines(out).contains(
            "  [yes] /proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are readable (cap_sys_ptrace)"), out)
    }
}
