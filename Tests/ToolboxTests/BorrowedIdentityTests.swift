import Foundation
import ToolboxCore
import XCTest

/// The debugger as root without cap_sys_ptrace (setpriv), with cap_setuid
/// and cap_setgid (borrowed identity) or without them (the explanation).
private func debugger(setid: Bool) -> [String] {
    ["setpriv", "--inh-caps=-all", setid ? "--bounding-set=-sys_ptrace" : "--bounding-set=-sys_ptrace,-setuid,-setgid"]
}

/// Issue 9, item 9: every /proc/PID entry that needs ptrace-read access
/// works through the borrowed identity (compared with what root with
/// cap_sys_ptrace sees through GNU tools), or fails with the same
/// explanation as /proc/PID/root; never a partial listing with exit 0.
final class ProcEntryBorrowTests: XCTestCase {
    nonisolated(unsafe) static var target: Process?
    nonisolated(unsafe) static var pid: Int32 = 0
    var T: String { String(Self.pid) }

    override class func setUp() {
        super.setUp()
        // uid 1000 with its own environment and fd 5 open on /etc/hostname.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid", "1000", "--regid", "1000", "--clear-groups", "env", "-i", "FOO=bar", "PATH=/usr/bin:/bin",
                       "sh", "-c", "cd /tmp && exec 5</etc/hostname && exec sleep 600"]
        guard (try? p.run()) != nil else { return }
        target = p
        for _ in 0..<100 {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.processIdentifier)/exe"))?.hasSuffix("sleep") ?? false { break }
            usleep(20_000)
        }
        pid = p.processIdentifier
    }

    override class func tearDown() {
        target?.terminate(); target?.waitUntilExit()
        super.tearDown()
    }

    func toolbox(setid: Bool, _ args: [String]) throws -> RunResult {
        let d = debugger(setid: setid)
        return try runProcess(try which(d[0]), Array(d.dropFirst()) + [try toolboxBinary()] + args, environment: ["LC_ALL": "C"])
    }

    func gnu(_ tool: String, _ args: [String]) throws -> RunResult {
        try runProcess(try which(tool), args, environment: ["LC_ALL": "C"])
    }

    func testEntriesReadWithTheBorrowedIdentityMatchRootWithPtrace() throws {
        XCTAssertGreaterThan(Self.pid, 0)
        // Without cap_sys_ptrace the kernel really refuses GNU cat (io checks
        // ptrace access on every read; some kernels let root read environ
        // and maps of a process without capabilities).
        let refused = try runProcess(try which("setpriv"), Array(debugger(setid: true).dropFirst()) + [try which("cat"), "/proc/\(T)/io"])
        XCTAssertEqual(refused.code, 1)
        XCTAssertTrue(refused.err.contains("Permission denied"), refused.err)

        for file in ["environ", "maps", "auxv", "io", "fdinfo/5", "status"] {
            let want = try gnu("cat", ["/proc/\(T)/\(file)"])
            let got = try toolbox(setid: true, ["cat", "/proc/\(T)/\(file)"])
            XCTAssertEqual(got.out, want.out, file)
            XCTAssertEqual(got.err, "", file)
            XCTAssertEqual(got.code, 0, file)
        }
        XCTAssertTrue(try toolbox(setid: true, ["cat", "/proc/\(T)/environ"]).out.contains("FOO=bar\0"))
        // smaps and smaps_rollup: the mappings (the counters move with the system).
        for file in ["smaps", "smaps_rollup"] {
            let want = try gnu("cat", ["/proc/\(T)/\(file)"]).out.split(separator: "\n").filter { !$0.contains(" kB") }
            let got = try toolbox(setid: true, ["cat", "/proc/\(T)/\(file)"])
            XCTAssertEqual(got.out.split(separator: "\n").filter { !$0.contains(" kB") }, want, file)
            XCTAssertEqual(got.code, 0, file)
        }
        for link in ["fd/5", "cwd", "exe", "root"] {
            let want = try gnu("readlink", ["/proc/\(T)/\(link)"])
            let got = try toolbox(setid: true, ["readlink", "/proc/\(T)/\(link)"])
            XCTAssertEqual(got.out, want.out, link)
            XCTAssertEqual(got.code, 0, "\(link): \(got.err)")
        }
        XCTAssertEqual(try toolbox(setid: true, ["readlink", "/proc/\(T)/fd/5"]).out, "/etc/hostname\n")
        // ls -l of fd/ and of the pid directory: every link with its target.
        func arrows(_ s: String) -> [String] {
            s.split(separator: "\n").compactMap { l in l.range(of: " -> ").map { _ in String(l.split(separator: " ", maxSplits: 8).last!) } }
        }
        for dir in ["fd", ""] {
            let want = try gnu("ls", ["-l", "/proc/\(T)/\(dir)"])
            let got = try toolbox(setid: true, ["ls", "-l", "/proc/\(T)/\(dir)"])
            XCTAssertEqual(arrows(got.out), arrows(want.out), "ls -l /proc/PID/\(dir)")
            XCTAssertFalse(arrows(got.out).isEmpty)
            XCTAssertEqual(got.err, "", dir)
            XCTAssertEqual(got.code, 0, dir)
        }
        XCTAssertTrue(try toolbox(setid: true, ["ls", "-l", "/proc/\(T)/fd"]).out.contains(" 5 -> /etc/hostname\n"))
        let fdinfo = try toolbox(setid: true, ["ls", "/proc/\(T)/fdinfo"])
        XCTAssertEqual(fdinfo.out, try gnu("ls", ["/proc/\(T)/fdinfo"]).out)
        XCTAssertEqual(fdinfo.code, 0, fdinfo.err)
    }

    /// Without cap_setuid/cap_setgid: the same explanation as /proc/PID/root, exit 1.
    func testWithoutAnyWayInTheEntriesExplainTheFix() throws {
        XCTAssertGreaterThan(Self.pid, 0)
        let why = "permission denied: process \(T) runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace and without cap_setuid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as uid 1000"
        let root = try toolbox(setid: false, ["ls", "/proc/\(T)/root/"])
        XCTAssertEqual(root.err, "ls: /proc/\(T)/root: \(why)\n")
        for (args, subject) in [(["cat", "/proc/\(T)/io"], "/proc/\(T)/io"),
                                (["cat", "/proc/\(T)/fdinfo/5"], "/proc/\(T)/fdinfo/5"),
                                (["readlink", "/proc/\(T)/fd/5"], "/proc/\(T)/fd/5"),
                                (["ls", "-l", "/proc/\(T)/fd"], "/proc/\(T)/fd")] {
            let r = try toolbox(setid: false, args)
            XCTAssertEqual(r.code, 1, "\(args)")
            XCTAssertTrue(r.err.contains("\(subject): \(why)\n"), "\(args): \(r.err)")
        }
    }
}

/// Issue 9, item 3: a target looping kill(-1, SIGSTOP) as uid 1000 cannot
/// hang ls, ps or netstat through their helper children; and a helper
/// that does stop is killed at its deadline, with a one-line message, and
/// the applet goes on.
final class HelperDeadlineTests: XCTestCase {
    /// A rootfs with busybox for the hostile target.
    func makeRootfs() throws -> String {
        let r = "/tmp/toolbox-stop-\(getpid())"
        try? FileManager.default.removeItem(atPath: r)
        for d in ["bin", "app", "proc"] { try FileManager.default.createDirectory(atPath: r + "/" + d, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: try which("busybox"), toPath: r + "/bin/busybox")
        // sh gives a background job /dev/null as its input.
        try FileManager.default.createDirectory(atPath: r + "/dev", withIntermediateDirectories: true)
        XCTAssertEqual(mknod(r + "/dev/null", S_IFCHR | 0o666, dev_t((1 << 8) | 3)), 0)
        chmod(r + "/dev/null", 0o666)
        return r
    }

    /// Runs `script` in a fresh pid and mount namespace (so kill(-1) reaches
    /// only the processes of this test), with the hostile target as $T.
    func inNamespace(_ rootfs: String, port: Int, _ script: String) throws -> RunResult {
        let target = "chroot --userspec=1000:1000 \(rootfs) /bin/busybox sh -c '/bin/busybox nc -l -p \(port) & /bin/busybox sleep 0.3; while :; do kill -STOP -1; done' &"
        let full = "\(target) T=$!; sleep 0.8; \(script)"
        return try runProcess(try which("unshare"), ["--pid", "--fork", "--mount", "--propagation", "private", "--mount-proc", "sh", "-c", full],
                              environment: ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
    }

    /// `timeout` bounds each run (exit 124 if it hangs); the elapsed
    /// milliseconds are printed after each.
    func timed(_ bin: String, _ args: String, env: String = "") -> String {
        "s=$(date +%s%N); timeout 20 env \(env) setpriv --inh-caps=-all --bounding-set=-sys_ptrace \(bin) \(args); echo \"rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))\";"
    }

    func results(_ out: String) -> [(rc: Int, ms: Int)] {
        out.split(separator: "\n").filter { $0.hasPrefix("rc=") }.map { l in
            let f = l.split(separator: " ")
            return (Int(f[0].dropFirst(3)) ?? -1, Int(f[1].dropFirst(3)) ?? -1)
        }
    }

    func testAHostileTargetStoppingEveryoneCannotHangTheApplets() throws {
        let bin = try toolboxBinary()
        let rootfs = try makeRootfs()
        defer { try? FileManager.default.removeItem(atPath: rootfs) }
        let port = 41000 + Int(getpid() % 1000)
        var script = ""
        for _ in 0..<5 {
            script += "echo '== ls'; " + timed(bin, "ls /proc/$T/root")
            script += "echo '== ps'; " + timed(bin, "ps -ef")
            script += "echo '== netstat'; " + timed(bin, "netstat -tanp")
        }
        let r = try inNamespace(rootfs, port: port, script)
        let runs = results(r.out)
        XCTAssertEqual(runs.count, 15, r.out + r.err)
        for (i, run) in runs.enumerated() {
            XCTAssertEqual(run.rc, 0, "run \(i): \(r.out) \(r.err)")
            XCTAssertLessThan(run.ms, 5000, "run \(i)")
        }
        // What they print: the container's root, the target, its socket's owner.
        XCTAssertTrue(r.out.contains("== ls\napp\nbin\ndev\nproc\nrc=0"), r.out)
        XCTAssertTrue(r.out.contains("kill -STOP -1"), r.out)
        XCTAssertTrue(r.out.contains(":\(port) "), r.out)
        XCTAssertTrue(r.out.split(separator: "\n").contains { $0.contains(":\(port) ") && $0.contains("/busybox") }, r.out)
        XCTAssertFalse(r.err.contains("did not finish"), r.err)
    }

    /// A helper child that stops (TOOLBOX_TEST_STOP_HELPER=1 makes each one
    /// SIGSTOP itself) is killed after 2 s: ls says so and exits 1 (the
    /// child killed may be the one reading the root's passwd, and then the
    /// root itself is "not tried"); ps and netstat finish with a note.
    /// Several times.
    func testAStoppedHelperIsKilledAtTheDeadline() throws {
        let bin = try toolboxBinary()
        let rootfs = try makeRootfs()
        defer { try? FileManager.default.removeItem(atPath: rootfs) }
        let port = 42000 + Int(getpid() % 1000)
        var script = ""
        for _ in 0..<3 {
            script += "echo '== ls'; " + timed(bin, "ls /proc/$T/root", env: "TOOLBOX_TEST_STOP_HELPER=1")
            script += "echo '== ps'; " + timed(bin, "ps -ef >/dev/null", env: "TOOLBOX_TEST_STOP_HELPER=1")
            script += "echo '== netstat'; " + timed(bin, "netstat -tanp >/dev/null", env: "TOOLBOX_TEST_STOP_HELPER=1")
        }
        let r = try inNamespace(rootfs, port: port, script)
        let runs = results(r.out)
        XCTAssertEqual(runs.count, 9, r.out + r.err)
        for (i, run) in runs.enumerated() {
            XCTAssertEqual(run.rc, i % 3 == 0 ? 1 : 0, "run \(i): \(r.out) \(r.err)")
            XCTAssertGreaterThanOrEqual(run.ms, 1900, "run \(i): the deadline is 2 s")
            XCTAssertLessThan(run.ms, 5000, "run \(i)")
        }
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("ls: /proc/") && $0.contains("did not finish within 2 s") }.count, 3, r.err)
        let note = "a helper child that borrowed a process's uid did not finish within 2 s and was killed; no more were started, so what they would have read is missing"
        XCTAssertEqual(lines.filter { $0 == "ps: " + note }.count, 3, r.err)
        XCTAssertEqual(lines.filter { $0 == "netstat: " + note }.count, 3, r.err)
    }
}
