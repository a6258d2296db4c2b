import Foundation
import XCTest

/// pwdx, prlimit, pmap and lsns against procps and util-linux on processes
/// the test starts (stdout, stderr, exit status; LC_ALL=C).
final class ProcessToolsDifferentialTests: XCTestCase {
    var children: [Process] = []
    override func tearDown() { for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }; children = [] }

    /// A child running `args`, optionally in `cwd`.
    func spawn(_ args: [String], cwd: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which(args[0]))
        p.arguments = Array(args.dropFirst())
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        try p.run()
        children.append(p)
        usleep(150_000)
        return p
    }

    func both(_ tool: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let want = try runProcess(try which(tool), args, environment: env)
        let got = try runProcess(try toolboxBinary(), [tool] + args, environment: env)
        XCTAssertEqual(got.out, want.out, "\(tool) \(args.joined(separator: " ")): stdout", file: file, line: line)
        XCTAssertEqual(got.err, want.err, "\(tool) \(args.joined(separator: " ")): stderr", file: file, line: line)
        XCTAssertEqual(got.code, want.code, "\(tool) \(args.joined(separator: " ")): exit", file: file, line: line)
    }

    func testPwdx() throws {
        let dir = NSTemporaryDirectory() + "pwdx dir \(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try spawn(["sleep", "60"], cwd: dir)
        try both("pwdx", [String(p.processIdentifier)])
        try both("pwdx", [String(p.processIdentifier), "2147483647"])
        try both("pwdx", ["abc"])
    }

    func testPrlimitPrintAndSet() throws {
        let p = try spawn(["sleep", "60"])
        let pid = String(p.processIdentifier)
        try both("prlimit", ["--pid", pid])
        try both("prlimit", ["--pid", pid, "-n", "--stack", "--cpu"])
        try both("prlimit", ["--pid", pid, "--noheadings", "--nproc"])
        // Set with toolbox, read with util-linux.
        let set = try runProcess(try toolboxBinary(), ["prlimit", "--pid", pid, "--nofile=100:200"])
        XCTAssertEqual(set.code, 0, set.err); XCTAssertEqual(set.out, "")
        let read = try runProcess(try which("prlimit"), ["--pid", pid, "--nofile", "--noheadings"])
        XCTAssertEqual(read.out, "NOFILE   max number of open files  100  200 files\n")
        _ = try runProcess(try toolboxBinary(), ["prlimit", "--pid", pid, "--core=unlimited"])
        try both("prlimit", ["--pid", pid, "-c", "-n"])
        let soft = try runProcess(try toolboxBinary(), ["prlimit", "--pid", pid, "-n50:"])
        XCTAssertEqual(soft.code, 0, soft.err)
        try both("prlimit", ["--pid", pid, "--nofile"])
        XCTAssertTrue(try runProcess(try which("prlimit"), ["--pid", pid, "-n"]).out.contains(" 50  200 files"))
    }

    func testPmap() throws {
        let p = try spawn(["sleep", "60"])
        try both("pmap", ["-x", String(p.processIdentifier)])
        try both("pmap", [String(p.processIdentifier)])
    }

    /// Namespaces the test makes: unshare's uts, ipc and mnt namespaces hold
    /// unshare and its sleep child only, so their rows are stable.
    func testLsnsOfNewNamespaces() throws {
        let p = try spawn(["unshare", "--uts", "--ipc", "--mount", "--fork", "--kill-child", "sleep", "60"])
        let children = try String(contentsOfFile: "/proc/\(p.processIdentifier)/task/\(p.processIdentifier)/children", encoding: .utf8)
        let child = try XCTUnwrap(children.split(separator: " ").first.map(String.init))
        for t in ["uts", "ipc", "mnt"] {
            try both("lsns", ["-t", t, "-p", child])
        }
        try both("lsns", ["-n", "-t", "uts", "-p", child])
        try both("lsns", ["-J", "-t", "ipc", "-p", child])
        let r = try runProcess(try toolboxBinary(), ["lsns", "-t", "uts", "-p", child])
        XCTAssertTrue(r.out.contains("uts       2 "), r.out)
    }
}
