import Foundation
import XCTest

/// Borrowed identity (ProcAccess.borrowing) forks no helper child when the
/// helper would take our own file-system ids (it has our capabilities minus
/// cap_sys_ptrace, so the kernel cannot grant it what it refused us; ps -ef
/// forked one for /proc/1/root on every run), and a helper refused the links
/// it reads reports the refusal instead of an empty list. That empty list is
/// why the first skip (86dbb0f) was reverted: lsof -p of a root process
/// without cap_sys_ptrace printed the refusal only once no helper hid it.
final class BorrowSkipTests: XCTestCase {
    static let fix = "add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add)"

    /// Root without cap_sys_ptrace, with cap_setuid and cap_setgid. With
    /// `stopHelper` every helper child stops itself and is killed at the 2 s
    /// deadline (TOOLBOX_TEST_STOP_HELPER=1), so a forked helper shows.
    func debugger(_ tool: [String], stopHelper: Bool = false) throws -> RunResult {
        var env = ["LC_ALL": "C", "PATH": "/usr/bin:/bin"]
        if stopHelper { env["TOOLBOX_TEST_STOP_HELPER"] = "1" }
        return try runProcess(try which("setpriv"), ["--inh-caps=-all", "--bounding-set=-sys_ptrace"] + tool, environment: env)
    }

    /// Starts `argv` (ending in `sleep`) and waits until it runs sleep.
    func start(_ argv: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        try p.run()
        for _ in 0..<100 {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.processIdentifier)/exe"))?.hasSuffix("sleep") ?? false { break }
            usleep(20_000)
        }
        return p
    }

    /// A root process holding cap_sys_ptrace, which the debugger lacks: the
    /// kernel refuses its fd links to us, and a helper with uid 0 (ours)
    /// would be refused the same way. No helper is forked: with the hook
    /// that stops every helper (TOOLBOX_TEST_STOP_HELPER), a forked one
    /// would hold the run for its 2 s deadline (the message would be the
    /// same: for our own uid it does not mention the helper), so the run
    /// is timed. lsof says why.
    func testNoHelperForATargetWithOurOwnIDs() throws {
        let p = try start([try which("sleep"), "600"])
        defer { p.terminate(); p.waitUntilExit() }
        let t = p.processIdentifier
        // the kernel really refuses: Debian's lsof in the same place
        let real = try debugger([try which("lsof"), "-p", String(t)])
        XCTAssertTrue(real.out.contains("/proc/\(t)/fd/0 (readlink: Permission denied)"), real.out)

        let started = Date()
        let r = try debugger([try toolboxBinary(), "lsof", "-p", String(t)], stopHelper: true)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, 1.5, "a helper was forked and waited for (the 2 s deadline)")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains(" NOFD ") && r.out.contains("/proc/\(t)/fd (opendir: Permission denied)"), r.out)
        XCTAssertEqual(r.err, "lsof: permission denied: process \(t) runs as uid 0, this container runs as uid 0 without cap_sys_ptrace; "
                       + "process \(t) holds capabilities this container lacks (cap_sys_ptrace); \(Self.fix)\n")
    }

    /// A uid 1000 process holding cap_sys_ptrace (ambient): the helper takes
    /// uid 1000 but drops cap_sys_ptrace, so every readlink of its fd/ is
    /// refused. That used to come back as "no descriptors" (lsof listed
    /// none, said nothing, exit 0); now it is the refusal, explained.
    func testARefusedHelperSaysSoInsteadOfListingNothing() throws {
        let p = try start([try which("setpriv"), "--reuid", "1000", "--regid", "1000", "--clear-groups",
                           "--inh-caps=+sys_ptrace", "--ambient-caps=+sys_ptrace", try which("sleep"), "600"])
        defer { p.terminate(); p.waitUntilExit() }
        let t = p.processIdentifier
        let real = try debugger([try which("lsof"), "-p", String(t)])
        XCTAssertTrue(real.out.contains("/proc/\(t)/fd/0 (readlink: Permission denied)"), real.out)

        let r = try debugger([try toolboxBinary(), "lsof", "-p", String(t)])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains(" NOFD ") && r.out.contains("/proc/\(t)/fd (opendir: Permission denied)"), r.out)
        XCTAssertEqual(r.err, "lsof: permission denied: process \(t) runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace; "
                       + "opening it as uid 1000 failed too (Permission denied): process \(t) holds capabilities (cap_sys_ptrace) "
                       + "that a helper running as uid 1000 cannot match; \(Self.fix)\n")
    }
}
