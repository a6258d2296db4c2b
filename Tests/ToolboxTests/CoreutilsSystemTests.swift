import Foundation
import ToolboxCore
import XCTest

/// basename and dirname against GNU coreutils.
final class PathNameDifferentialTests: XCTestCase {
    func testBasename() throws {
        for args in [["/usr/lib/"], ["a/b.c", ".c"], [".c", ".c"], ["//"], ["/"], [""], ["a/b/"], ["-s", ".c", "a.c", "/x/b.c", "c"],
                     ["-a", "x/y", "z/"], ["-z", "a/b"], ["-az", "a/b", "c"], ["/a/b.c", "b.c"], ["dir/file.tar.gz", ".gz"],
                     [], ["a", "b", "c"], ["--bogus"]] {
            try assertSameAsReal("basename", args)
        }
    }

    func testDirname() throws {
        for args in [["a/b", "/x", "//y", "a", "///", "a/b/", "/a//b//", "", "."], ["-z", "a/b", "c"], [], ["--bogus"]] {
            try assertSameAsReal("dirname", args)
        }
    }
}

/// seq against GNU coreutils: default formats, -w, -f, -s, negative and fractional steps, errors.
final class SeqDifferentialTests: XCTestCase {
    func testSequences() throws {
        let cases: [[String]] = [
            ["5"], ["0"], ["-3"], ["3", "7"], ["7", "3"], ["1", "3", "10"], ["10", "-3", "1"], ["-5", "-1", "-8"],
            ["1", ".5", "3"], ["0.1", "0.1", "0.5"], ["0", "0.000001", "0.000003"], ["1e2", "1e2", "3e2"], ["1.5e1", "17"],
            ["-w", "8", "11"], ["-w", "-1", "1"], ["-w", "1", "0.5", "3"], ["-w", ".5", "1.5"], ["-w", "0.99", "0.01", "1.03"],
            ["-s", ",", "3"], ["-s", ", ", "-2", "2"], ["-f", "%03g", "3"], ["-f", "x%gy%%", "2"], ["-f", "%.3e", "1", "0.25", "2"],
            ["-f", "%d", "3"], ["-f", "abc", "3"], ["-f", "%g%g", "3"], ["-f", "%", "3"], ["-w", "-f", "%g", "3"],
            [], ["1", "2", "3", "4"], ["1", "0", "3"], ["x"], ["1", "nan"], ["1", "inf", "0"] ,
            ["9223372036854775800", "9223372036854775803"], ["1", "1000"],
        ]
        for args in cases { try assertSameAsReal("seq", args) }
    }

    func testLongRunThroughAPipeStopsAtEPIPE() throws {
        let bin = try toolboxBinary()
        let r = try sh("'\(bin)' seq 1 100000000 | head -3; echo status=${PIPESTATUS:-n/a}")
        XCTAssertEqual(r.out.split(separator: "\n").prefix(3), ["1", "2", "3"])
        XCTAssertEqual(r.err, "")
    }
}

/// env against GNU coreutils: printing, -i, -u, NAME=VALUE, -0, -C, running commands, exit codes 125/126/127.
final class EnvDifferentialTests: XCTestCase {
    func testEnvironmentAndCommands() throws {
        let dir = try makeTemporaryDirectory("tb-env")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notExecutable = dir + "/script.sh"
        try "echo hi\n".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["-i", "A=1", "B=two words"], ["-i", "A=1", "/usr/bin/env"], ["-", "X=1"], ["-i", "-0", "A=1", "B=2"],
            ["-i", "A=1", "-u", "A"], ["-i", "PATH=/usr/bin", "A=1", "env"], ["-i", "PATH=/nonexistent", "ls"],
            ["-i", "nonexistent-command-xyz"], ["-i", notExecutable], ["-i", "-C", "/nonexistent", "true"],
            ["-i", "-C", dir, "/bin/pwd"], ["-i", "-u"], ["-i", "-C", dir], ["-i", "/bin/sh", "-c", "exit 3"],
            ["-i", "A=1", "--", "/usr/bin/env"], ["-i", "-u", "A=B"],
        ]
        for args in cases { try assertSameAsReal("env", args) }
    }

    func testInheritsAndUnsets() throws {
        try assertSameAsReal("env", ["-u", "PATH", "/usr/bin/env"], environment: ["TB_MARK": "x y"])
    }
}

/// sleep: durations and suffixes against GNU sleep, and `sleep infinity` waits without using CPU.
final class SleepTests: XCTestCase {
    func testErrorsMatchGNU() throws {
        for args in [[], ["x"], ["1z"], ["-1"], ["x", "y"], ["--bogus"], ["0"], ["0.01", "0.01s"], ["0x0"]] {
            try assertSameAsReal("sleep", args)
        }
    }

    func testDurationIsTheSumOfOperands() throws {
        let bin = try toolboxBinary()
        let start = Date()
        let r = try runProcess(bin, ["sleep", "0.2", "0.003m", "0.0001h"])   // 0.2 + 0.18 + 0.36 s
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(r.code, 0)
        XCTAssertGreaterThanOrEqual(elapsed, 0.74)
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testInfinityUsesNoCPUAndEndsOnSignal() throws {
        let bin = try toolboxBinary()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["sleep", "infinity"]
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        Thread.sleep(forTimeInterval: 0.3)
        func cpuTicks() throws -> (UInt64, UInt64) {
            let s = try String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)
            let f = s[s.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
            return (UInt64(f[11])!, UInt64(f[12])!)     // utime, stime (fields 14, 15)
        }
        let before = try cpuTicks()
        Thread.sleep(forTimeInterval: 1.2)
        XCTAssertTrue(p.isRunning)
        let after = try cpuTicks()
        XCTAssertEqual(after.0, before.0, "utime grew while sleeping")
        XCTAssertEqual(after.1, before.1, "stime grew while sleeping")
        let state = try String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)
        XCTAssertTrue(state.contains(") S "), state)
        p.terminate()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertEqual(p.terminationStatus, SIGTERM)
    }
}

/// id, whoami, hostname and uname against coreutils/hostname, for root and for
/// an unprivileged identity with supplementary groups (setpriv).
final class IdentityDifferentialTests: XCTestCase {
    func testIdForThisProcess() throws {
        for args in [[], ["-u"], ["-un"], ["-g"], ["-gn"], ["-G"], ["-Gn"], ["-ur"], ["-Gz"], ["-n"], ["-r"], ["-u", "-g"],
                     ["root"], ["-G", "root"], ["nosuchuser-xyz"], ["0"], ["root", "nosuchuser-xyz"]] {
            try assertSameAsReal("id", args)
        }
    }

    func testIdForAnotherUserAndIdentity() throws {
        // A user with supplementary groups from /etc/group (getgrouplist order).
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let users = passwd.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
        for u in users.prefix(12) { try assertSameAsReal("id", [u]); try assertSameAsReal("id", ["-Gn", u]) }
        // An unprivileged process with a real/effective split and supplementary groups.
        let setpriv = try which("setpriv")
        for args in [[String](), ["-G"], ["-Gn"], ["-un"], ["-gr"]] {
            let real = try runProcess(setpriv, ["--reuid", "65534", "--regid", "65534", "--groups", "4,27,999999", try which("id")] + args,
                                      environment: ["LC_ALL": "C"])
            let ours = try runProcess(setpriv, ["--reuid", "65534", "--regid", "65534", "--groups", "4,27,999999", try toolboxBinary(), "id"] + args,
                                      environment: ["LC_ALL": "C"])
            XCTAssertEqual(ours.out, real.out, "id \(args)")
            XCTAssertEqual(ours.err, real.err.replacingOccurrences(of: try which("id") + ":", with: "id:"), "id \(args)")
            XCTAssertEqual(ours.code, real.code, "id \(args)")
            XCTAssertTrue(real.out.contains("65534") || real.out.contains("nobody") || real.out.contains("nogroup"), real.out)
        }
        let euidSplit = try runProcess(setpriv, ["--ruid", "0", "--euid", "65534", try toolboxBinary(), "id"])
        XCTAssertTrue(euidSplit.out.hasPrefix("uid=0(root) gid=0(root) euid=65534(nobody) "), euidSplit.out)
    }

    func testWhoamiHostnameUname() throws {
        for args in [[], ["x"]] { try assertSameAsReal("whoami", args) }
        let whoNobody = try runProcess(try which("setpriv"), ["--reuid", "65534", "--regid", "65534", "--clear-groups", try toolboxBinary(), "whoami"])
        XCTAssertEqual(whoNobody.out, "nobody\n")
        for args in [[], ["-s"]] { try assertSameAsReal("hostname", args) }
        for args in [[], ["-a"], ["-s"], ["-n"], ["-r"], ["-v"], ["-m"], ["-p"], ["-i"], ["-o"], ["-snrvmpio"], ["-mrs"],
                     ["--kernel-name", "--machine"], ["x"], ["-x"]] {
            try assertSameAsReal("uname", args)
        }
    }

    func testHostnameSetInAUTSNamespace() throws {
        let bin = try toolboxBinary()
        let r = try runProcess(try which("unshare"), ["-u", "/bin/sh", "-c", "'\(bin)' hostname tb-test.example && '\(bin)' hostname && '\(bin)' hostname -s && hostname"])
        XCTAssertEqual(r.out, "tb-test.example\ntb-test\ntb-test.example\n", r.err)
    }
}

/// date against GNU date in several time zones: formats, -u, -d forms, -R, -I, errors.
final class DateDifferentialTests: XCTestCase {
    func testFormatsAndDateStrings() throws {
        let reference = try makeTemporaryDirectory("tb-date") + "/ref"
        defer { try? FileManager.default.removeItem(atPath: (reference as NSString).deletingLastPathComponent) }
        FileManager.default.createFile(atPath: reference, contents: Data())
        _ = try runProcess("/usr/bin/touch", ["-d", "2021-06-15 08:09:10.123456789", reference])
        let cases: [[String]] = [
            ["-d", "@0"], ["-u", "-d", "@0"], ["-d", "@1700000000.5", "+%s.%N"], ["-d", "@-1.25", "+%s %N"],
            ["-d", "@0", "-R"], ["-u", "-d", "@0", "-I"], ["-d", "@86399", "-Iseconds"], ["-d", "@1", "-Ins"],
            ["-d", "@0", "-Ihours"], ["-d", "@0", "-Iminutes"], ["-d", "@0", "--iso-8601=date"], ["-d", "@0", "-Isec"],
            ["-d", "2024-02-29"], ["-d", "2024-07-04T13:14:15Z"], ["-d", "2024-07-04 13:14:15"], ["-d", "2024-07-04 13:14"],
            ["-d", "2024-07-04T13:14:15+02:00"], ["-d", "2024-07-04 13:14:15.25 UTC", "+%F %T.%N %Z"],
            ["-d", "2024-03-10 02:30:00 +0200", "+%s"], ["-d", "2024-11-03T01:30:00", "+%s %Z"],
            ["-d", "2024-01-31 +1 month", "+%F"], ["-d", "2024-01-01 10:00 +3 hours", "+%F %T"],
            ["-d", "2024-01-01 2 days ago", "+%F"], ["-d", "2024-02-28 tomorrow", "+%F"],
            ["-d", "@1700000000", "+%A %B %j %U %G %V %u %w %y %C %P %p %r %R %T %D %x %X %c %h %e %k %l %n%t%%"],
            ["-u", "-d", "@0", "+%:z %::z %:::z %-d %_d %^a %10N %3N %#Z %-H %_m"], ["-d", "@0", "+%:z %::z %:::z %z"],
            ["-r", reference, "+%F %T.%N"], ["-r", reference + "-missing"], ["-d", "xyz"], ["-Ifoo"], ["1"], ["-d", "@0", "+%s", "+%s"], ["-R", "-I"],
        ]
        for tz in ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"] {
            for args in cases { try assertSameAsReal("date", args, environment: ["TZ": tz]) }
        }
    }

    func testNowAgreesWithGNUDate() throws {
        // The one time-dependent case: both print the current second (retry across a tick).
        for _ in 0..<3 {
            let (real, ours) = try runBoth("date", ["+%Y-%m-%d %H:%M:%S %Z"], environment: ["TZ": "Europe/Paris"])
            if real.out == ours.out { return }
        }
        XCTFail("toolbox date and GNU date disagree on the current time three times")
    }
}
