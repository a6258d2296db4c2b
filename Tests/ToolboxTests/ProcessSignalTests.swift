import Foundation
import ToolboxCore
import XCTest

/// A process that reports every signal it receives: a shell that traps
/// them and appends their names to a file.
final class SignalReporter {
    let process = Process()
    let log: String
    init(_ dir: String, name: String = "tb-reporter") throws {
        log = dir + "/signals.log"
        FileManager.default.createFile(atPath: log, contents: Data())
        let script = """
        for s in HUP INT QUIT USR1 USR2 TERM ALRM WINCH CONT; do trap "echo $s >> '\(log)'" $s; done
        echo ready >> '\(log)'
        while :; do sleep 0.05; done
        """
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, name]
        try process.run()
        let deadline = Date().addingTimeInterval(5)
        while received() != ["ready"] && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
    var pid: Int32 { process.processIdentifier }
    func received() -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
    /// Waits until `count` signals (after "ready") have been logged.
    func waitFor(_ count: Int) -> [String] {
        let deadline = Date().addingTimeInterval(5)
        while received().count < count + 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return Array(received().dropFirst())
    }
    func stop() { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }
}

/// kill against procps kill: signal names and tables, errors, and signals actually delivered.
final class KillDifferentialTests: XCTestCase {
    func testListsAndErrorsMatchProcps() throws {
        let cases: [[String]] = [
            ["-l"], ["-L"], ["-l", "9"], ["-l", "KILL"], ["-l", "SIGKILL"], ["-l", "kill"], ["-l", "130"], ["-l", "0"],
            ["-l", "1", "2", "3"], ["-l", "FOO"], ["-l", "CLD"], ["-l9"], ["--list=9"], ["-L", "-l"], ["999999"],
            ["-s", "KILL", "999999"], ["-s", "9", "999999"], ["-0", "999999"], ["-SIGKILL", "999999"], ["-kill", "999999"],
            ["abc", "999999"], ["999999", "abc"], ["--", "-999999"], ["999999", "888888"], ["-RTMIN", "999999"],
            ["-RTMIN+2", "999999"], ["-s", "FOO", "1"],
        ]
        for args in cases { try assertSameAsReal("/bin/kill", args, applet: "kill") }
        // An unknown -NAME: the same first line and status (procps then prints its whole usage).
        let (real, ours) = try runBoth("/bin/kill", ["-FOO", "1"], applet: "kill")
        XCTAssertEqual(ours.code, real.code)
        XCTAssertEqual(ours.err.split(separator: "\n").first, real.err.split(separator: "\n").first)
    }

    func testSignalsAreDelivered() throws {
        let dir = try makeTemporaryDirectory("tb-kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SignalReporter(dir)
        defer { r.stop() }
        let bin = try toolboxBinary()
        let pid = String(r.pid)
        for (i, args) in [["-USR1", pid], ["-s", "HUP", pid], ["-12", pid], ["-SIGINT", pid], ["--signal", "winch", pid], [pid]].enumerated() {
            let res = try runProcess(bin, ["kill"] + args)
            XCTAssertEqual(res, RunResult(out: "", err: "", code: 0), "\(args)")
            _ = r.waitFor(i + 1)     // one at a time: pending signals are delivered lowest number first
        }
        XCTAssertEqual(r.waitFor(6), ["USR1", "HUP", "USR2", "INT", "WINCH", "TERM"])
        // Signal 0 probes without delivering; one bad PID among good ones fails the run but not the rest.
        let mixed = try runProcess(bin, ["kill", "-ALRM", "999999", pid])
        XCTAssertEqual(mixed.code, 1)
        XCTAssertEqual(mixed.err, "kill: (999999): No such process\n")
        XCTAssertEqual(r.waitFor(7).last, "ALRM")
        XCTAssertEqual(try runProcess(bin, ["kill", "-0", pid]).code, 0)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(r.received().count, 8)
    }
}

/// pgrep, pkill and pidof against procps and sysvinit-utils, on processes the test starts
/// with distinctive names, arguments and uids.
final class PgrepDifferentialTests: XCTestCase {
    var dir = ""
    var children: [Process] = []
    var copy = ""

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("tb-pgrep")
        // A distinctive executable name: tbzzsleeper (comm), started four ways.
        copy = dir + "/tbzzsleeper"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: copy)
        func start(_ exe: String, _ args: [String]) throws {
            let p = Process(); p.executableURL = URL(fileURLWithPath: exe); p.arguments = args
            try p.run(); children.append(p)
        }
        try start(copy, ["1001"])
        try start(copy, ["1002"])
        try start(try which("setpriv"), ["--reuid", "65534", "--regid", "65534", "--clear-groups", copy, "1003"])
        try start("/bin/bash", ["-c", "exec -a 'tbzz proc title' '\(copy)' 1004"])
        try start("/bin/bash", ["-c", "exec -a -tbzzlogin '\(copy)' 1005"])
        // Wait until every child has exec'd (its comm is the copy's name).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let n = children.filter { (try? String(contentsOfFile: "/proc/\($0.processIdentifier)/comm", encoding: .utf8)) == "tbzzsleeper\n" }.count
            if n == children.count { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    override func tearDown() {
        for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testPgrepSelectsTheSameProcesses() throws {
        let me = String(getpid())
        let cases: [[String]] = [
            ["tbzzsleeper"], ["-x", "tbzzsleeper"], ["-x", "tbzzsleepe"], ["-l", "tbzzsleeper"], ["-a", "tbzzsleeper"],
            ["-f", "tbzzsleeper"], ["-f", "-a", "tbzzsleeper 100[12]"], ["-fx", "tbzzsleeper"], ["-f", "-x", copy + " 1001"],
            ["-u", "65534", "tbzzsleeper"], ["-u", "nobody", "-l", "tbzzsleeper"], ["-U", "nobody", "tbzzsleeper"],
            ["-u", "root,nobody", "-c", "tbzzsleeper"], ["-G", "nogroup", "tbzzsleeper"], ["-u", "nosuch-user-x", "x"],
            ["-n", "tbzzsleeper"], ["-o", "tbzzsleeper"], ["-n", "-f", "tbzz"], ["-c", "tbzzsleeper"], ["-d", ",", "tbzzsleeper"],
            ["-d", "--", "-l", "tbzzsleeper"], ["-P", me], ["-P", me, "-l"], ["-P", me + ",\(children[1].processIdentifier)", "-c"],
            ["-i", "TBZZSLEEPER"], ["-f", "tbzz proc"], ["-f", "^-tbzz"], ["tbzzsleeper1234567890"], ["a("], [], ["a", "b"],
            ["-P", "x"], ["-f", "-a", "^\\[kthreadd"], ["-x", "kthreadd", "-a"], ["-s", "0", "tbzzsleeper"],
            ["-g", "0", "-c", "tbzzsleeper"], ["-c", "no-such-process-xyz"], ["--signal", "HUP", "tbzzsleeper"],
        ]
        for args in cases { try assertSameAsReal("pgrep", args) }
        // -v: everything else (other processes come and go on a shared machine, so no exact count).
        for tool in [try which("pgrep"), try toolboxBinary()] {
            let r = try runProcess(tool, tool.hasSuffix("pgrep") ? ["-v", "tbzzsleeper"] : ["pgrep", "-v", "tbzzsleeper"])
            let pids = Set(r.out.split(separator: "\n").compactMap { Int32($0) })
            XCTAssertTrue(pids.contains(1), tool)
            XCTAssertTrue(pids.isDisjoint(with: children.map(\.processIdentifier)), tool)
        }
        // -n/-o/-v together is a usage error for both (procps prints its whole usage text).
        let (real, ours) = try runBoth("pgrep", ["-n", "-o", "x"])
        XCTAssertEqual(ours.code, real.code)
        XCTAssertEqual(ours.out, real.out)
    }

    func testPidofMatchesSysvinit() throws {
        let first = String(children[0].processIdentifier)
        for args in [["tbzzsleeper"], [copy], ["-s", "tbzzsleeper"], ["-o", first, "tbzzsleeper"], ["-o", "\(first),%PPID", "tbzzsleeper"],
                     ["-d", ",", "tbzzsleeper"], ["-q", "tbzzsleeper"], ["kthreadd"], ["no-such-program-xyz"],
                     ["tbzzsleeper", "kthreadd"], [copy + "x"], ["tbzz"], [dir + "/../" + (dir as NSString).lastPathComponent + "/tbzzsleeper"]] {
            try assertSameAsReal("/bin/pidof", args, applet: "pidof")
        }
    }

    func testPkillSignalsTheSelectedProcesses() throws {
        let bin = try toolboxBinary()
        let first = children[0].processIdentifier, second = children[1].processIdentifier
        // -e echoes each signalled process; the pattern picks one argument.
        let r = try runProcess(bin, ["pkill", "-USR1", "-e", "-f", "tbzzsleeper 1001$"])
        XCTAssertEqual(r, RunResult(out: "tbzzsleeper killed (pid \(first))\n", err: "", code: 0))
        children[0].waitUntilExit()
        XCTAssertEqual(children[0].terminationReason, .uncaughtSignal)
        XCTAssertEqual(children[0].terminationStatus, SIGUSR1)
        XCTAssertTrue(children[1].isRunning)
        // --signal by name; nothing left that matches: exit 1, as procps.
        XCTAssertEqual(try runProcess(bin, ["pkill", "--signal", "HUP", "-f", "tbzzsleeper 1002$"]).code, 0)
        children[1].waitUntilExit()
        XCTAssertEqual(children[1].terminationStatus, SIGHUP)
        _ = second
        XCTAssertEqual(try runProcess(bin, ["pkill", "-f", "tbzzsleeper 100[12]$"]).code, 1)
        XCTAssertEqual(try runProcess(try which("pkill"), ["-f", "tbzzsleeper 100[12]$"]).code, 1)
        // A process this uid may not signal: reported, exit 1 (procps wording), the process lives on.
        let mine = try runProcess(try which("setpriv"), ["--reuid", "65534", "--regid", "65534", "--clear-groups", bin, "pkill", "-0", "-f", "tbzz proc title 1004$"])
        let theirs = try runProcess(try which("setpriv"), ["--reuid", "65534", "--regid", "65534", "--clear-groups", try which("pkill"), "-0", "-f", "tbzz proc title 1004$"])
        XCTAssertEqual(mine.code, theirs.code)
        XCTAssertEqual(mine.err, theirs.err)
        XCTAssertTrue(mine.err.hasSuffix("failed: Operation not permitted\n"), mine.err)
        XCTAssertTrue(children[3].isRunning)
    }
}
