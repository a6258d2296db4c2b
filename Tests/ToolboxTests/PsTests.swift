import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

// MARK: - Parsers on captured fixtures

final class PidStatTests: XCTestCase {
    func parse(_ name: String) throws -> (PidStat?, [UInt8]) {
        let b = try fixtureBytes("ps/stat/\(name)")
        return (withBytes(b) { PidStat.parse($0) }, b)
    }

    func testNameWithParenSpaceIsSplitAtTheLastParen() throws {
        let (s, b) = try parse("name-with-paren-space.stat")
        let st = try XCTUnwrap(s)
        XCTAssertEqual(withBytes(b) { st.comm(in: $0) }, "a) (b")
        XCTAssertEqual(st.pid, 14561)
        XCTAssertEqual(st.state, UInt8(ascii: "S"))
        XCTAssertEqual(st.ppid, 14560)
        XCTAssertEqual(st.pgrp, 14556)
        XCTAssertEqual(st.session, 4621)
        XCTAssertEqual(st.ttyNr, 0)
        XCTAssertEqual(st.tpgid, -1)
        XCTAssertEqual(st.priority, 20)
        XCTAssertEqual(st.numThreads, 1)
        XCTAssertEqual(st.startTime, 183333)
        XCTAssertEqual(st.vsize, 2990080)
        XCTAssertEqual(st.rss, 411)
        XCTAssertEqual(st.policy, 0)
        XCTAssertFalse(st.isKernelThread)
    }

    func testKernelThreadAndZombie() throws {
        let k = try XCTUnwrap(try parse("kthreadd.stat").0)
        XCTAssertTrue(k.isKernelThread)
        XCTAssertEqual(k.ppid, 0)
        let z = try XCTUnwrap(try parse("zombie.stat").0)
        XCTAssertEqual(z.state, UInt8(ascii: "Z"))
        XCTAssertEqual(z.vsize, 0)
    }

    func testTruncatedAndGarbageGiveNil() throws {
        XCTAssertNil(try parse("truncated.stat").0)
        XCTAssertNil(try parse("garbage.stat").0)
        XCTAssertNil(try parse("no-parens.stat").0)
        XCTAssertNil(withBytes([]) { PidStat.parse($0) })
        XCTAssertNil(withBytes(Array("1 (x".utf8)) { PidStat.parse($0) })
        XCTAssertNil(withBytes(Array("1 (x)".utf8)) { PidStat.parse($0) })
    }

    func testEveryPrefixOfARealLineParsesOrFailsWithoutTrapping() throws {
        let b = try fixtureBytes("ps/stat/init.stat")
        var parsed = 0
        for n in 0...b.count {
            if withBytes(Array(b[0..<n])) { PidStat.parse($0) } != nil { parsed += 1 }
        }
        // Exactly the prefixes that reach the first digit of rss (field 24,
        // the 22nd after the command's `)`) parse: rss may be cut short.
        let close = try XCTUnwrap(b.lastIndex(of: UInt8(ascii: ")")))
        var field = 0, i = close + 1
        while field < 22 {
            while b[i] == 0x20 { i += 1 }
            field += 1
            if field < 22 { while b[i] != 0x20 { i += 1 } }
        }
        XCTAssertEqual(parsed, b.count - i)
    }

    /// The inlined parser against the ByteScanner one it replaced
    /// (PidStatReference), on every fixture line and 200,000 seeded
    /// mutations of them: bytes replaced by digits, signs, blanks, parens
    /// and newlines, cut, or runs of digits long enough to overflow.
    func testFastParserAgreesWithTheReference() throws {
        var lines: [[UInt8]] = []
        for name in ["init.stat", "kthreadd.stat", "zombie.stat", "name-with-paren-space.stat", "truncated.stat", "garbage.stat", "no-parens.stat"] {
            lines.append(try fixtureBytes("ps/stat/\(name)"))
        }
        lines.append(Array("5 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18446744073709551615 19 20".utf8))
        lines.append(Array("5 (x) R -1 -2 -3 -4 -5 6 7 8 9 10 11 12 -13 -14 -15 -16 -17 -9223372036854775808 19 20 -21".utf8))
        var rng = SplitMix(seed: 0x5EED_57A7)
        let alphabet = Array("0123456789 -\t\n\r()9".utf8)
        var checked = 0
        func check(_ b: [UInt8]) {
            let fast = withBytes(b) { PidStat.parse($0) }, ref = withBytes(b) { PidStatReference.parse($0) }
            XCTAssertEqual(fast, ref, "input: \(String(decoding: b, as: UTF8.self).debugDescription)")
            checked += 1
        }
        for l in lines { check(l) }
        for _ in 0..<200_000 {
            var b = lines[Int(rng.next() % UInt64(lines.count))]
            switch rng.next() % 4 {
            case 0 where !b.isEmpty:
                for _ in 0..<(1 + rng.next() % 4) { b[Int(rng.next() % UInt64(b.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            case 1 where !b.isEmpty:
                b.removeLast(Int(rng.next() % UInt64(b.count)))
            case 2 where !b.isEmpty:
                b.insert(contentsOf: Array(repeating: UInt8(ascii: "9"), count: Int(17 + rng.next() % 6)), at: Int(rng.next() % UInt64(b.count)))
            default:
                b.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: Int(rng.next() % UInt64(b.count + 1)))
            }
            check(b)
        }
        XCTAssertEqual(checked, lines.count + 200_000)
    }
}

final class CgroupTests: XCTestCase {
    let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    func ref(_ name: String) throws -> ContainerRef? {
        try withBytes(fixtureBytes("ps/cgroup/\(name)")) { ContainerRef.parse($0) }
    }

    func testRuntimeShapes() throws {
        let pod = "5f3c1c52-0f3a-4d5e-9b1a-2c6d7e8f9a0b"
        XCTAssertEqual(try ref("containerd-systemd-v2.txt"), ContainerRef(id: id, runtime: .containerd, podUID: pod))
        XCTAssertEqual(try ref("crio-systemd-v2.txt"), ContainerRef(id: id, runtime: .crio, podUID: pod))
        XCTAssertEqual(try ref("docker-systemd-v2.txt"), ContainerRef(id: id, runtime: .docker))
        XCTAssertEqual(try ref("docker-cgroupfs-v1.txt"), ContainerRef(id: id, runtime: .unknown))
        XCTAssertEqual(try ref("podman-v2.txt"), ContainerRef(id: id, runtime: .podman))
        XCTAssertEqual(try ref("kubepods-cgroupfs-v1.txt"), ContainerRef(id: id, runtime: .unknown, podUID: pod))
        XCTAssertEqual(try ref("cgroupns-relative-v2.txt"), ContainerRef(id: id, runtime: .containerd))
        XCTAssertEqual(try ref("containerd-systemd-v2.txt")?.shortID, "0123456789ab")
        XCTAssertEqual(try ref("podman-cgroupfs-v1.txt"),
                       ContainerRef(id: "41a2c19dd818543cd4490ea39b9b0c9892716c07a7f71c5392c76a3d9a227d9f", runtime: .podman))
    }

    func testNotAContainer() throws {
        XCTAssertNil(try ref("crio-conmon-v2.txt"))
        XCTAssertNil(try ref("host-v1.txt"))
        XCTAssertNil(try ref("podman-conmon-cgroupfs-v1.txt"))
        XCTAssertNil(withBytes(Array("garbage\n::\n0::\n0::/\n".utf8)) { ContainerRef.parse($0) })
        XCTAssertNil(withBytes(Array("0::/docker-\(id.dropLast()).scope\n".utf8)) { ContainerRef.parse($0) })
    }
}

// MARK: - Golden tests on a fixture /proc tree

final class PsFixtureTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "ps-fixture-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fm = FileManager.default
        func write(_ rel: String, _ s: String) throws {
            let p = dir + "/" + rel
            try fm.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try s.write(toFile: p, atomically: false, encoding: .utf8)
        }
        // Boot in 2020 so STIME prints a year whatever the time zone; uptime 1000 s.
        try write("proc/uptime", "1000.50 1900.00\n")
        try write("proc/stat", "cpu  1 2 3\nbtime 1577880000\n")
        try write("proc/meminfo", "MemTotal:        1000000 kB\n")
        try write("proc/sys/kernel/pid_max", "32768\n")
        try write("proc/self/stat", "99 (ps) R 1 99 99 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1000 0 0\n")
        // pid 1: an app in a container whose own /etc/passwd names uid 0 "croot".
        try write("proc/1/stat", "1 (app) S 0 1 1 0 -1 4194560 0 0 0 0 250 50 0 0 20 0 3 0 100 8192000 250 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0 0 0\n")
        try write("proc/1/cmdline", "/app\u{0}--flag\u{0}two words\u{0}")
        try write("proc/1/root/etc/passwd", "croot:x:0:0::/:/bin/sh\n")
        try write("proc/1/root/etc/group", "cgroup:x:0:\n")
        try write("proc/1/cgroup", "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n")
        // pid 7: garbage stat: skipped.
        try write("proc/7/stat", "7 (x) R garbage\n")
        try write("proc/7/cmdline", "x")
        // pid 8: empty cmdline, tty pts/3, nice 5, name with ") (".
        try write("proc/8/stat", "8 (a) (b) R 1 8 8 34819 8 4194304 0 0 0 0 0 0 0 0 25 5 1 0 900 0 0\n")
        try write("proc/8/cmdline", "")
        // pid 9: no stat at all (vanished mid-scan): skipped.
        try fm.createDirectory(atPath: dir + "/proc/9", withIntermediateDirectories: true)
        // Host files (the debugger's own /etc).
        try write("host/etc/passwd", "root:x:0:0::/root:/bin/bash\n")
        try write("host/etc/group", "root:x:0:\n")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func ps(_ args: [String]) -> RunResult {
        runToolbox(["ps"] + args, procRoot: dir + "/proc", hostRoot: dir + "/host")
    }

    func testFullFormatOnFixtureTree() {
        // uid is the fixture directory's owner (root when tests run as root).
        let r = ps(["-ef"])
        XCTAssertEqual(r.err, "")
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(r.out, """
        UID        PID  PPID  C STIME TTY          TIME CMD
        croot        1     0  0  2020 ?        00:00:03 /app --flag two words
        root         8     1  0  2020 pts/3    00:00:00 [a) (b]

        """)
    }

    func testKeysOnFixtureTree() {
        let r = ps(["-e", "-o", "pid,ppid,pgid,sid,tty,stat,ni,pri,nlwp,rss,vsz,%mem,etime,etimes,time,comm,container"])
        XCTAssertEqual(r.out, """
          PID  PPID  PGID   SID TT       STAT  NI PRI NLWP   RSS    VSZ %MEM     ELAPSED ELAPSED     TIME COMMAND         CONTAINER
            1     0     1     1 ?        Ssl    0  19    3  1000   8000  0.1       16:39     999 00:00:03 app             0123456789ab
            8     1     8     8 pts/3    RNs+   5  14    1     0      0  0.0       16:31     991 00:00:00 a) (b           -

        """)
    }

    func testJSONAndInfraMarker() throws {
        try "1 (pause) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n".write(toFile: dir + "/proc/1/stat", atomically: false, encoding: .utf8)
        try "/pause\u{0}".write(toFile: dir + "/proc/1/cmdline", atomically: false, encoding: .utf8)
        let r = ps(["-e", "--json", "-o", "pid,user,args,container"])
        XCTAssertEqual(r.out, """
        [
        {"pid":1,"user":"croot","args":"/pause","container":"0123456789ab","infra":true},
        {"pid":8,"user":"root","args":"[a) (b]","container":null,"infra":false}
        ]

        """)
        XCTAssertEqual(ps(["-p", "1", "-o", "container"]).out, "CONTAINER\n0123456789ab(infra)\n")
    }

    /// Plain `ps`: processes with this euid on this terminal (the fixture's
    /// self/stat has no tty), so pid 8 on pts/3 is left out.
    func testDefaultSelection() {
        let r = ps([])
        XCTAssertEqual(r.out, "  PID TTY          TIME CMD\n    1 ?        00:00:03 app\n")
    }

    /// Garbage status (read for root-owned processes) and control bytes in
    /// cmdline: no crash, the owner of stat stands, controls print as `?`.
    func testGarbageStatusAndControlBytesInCmdline() throws {
        try "Uid:\tgarbage\nGid:\n\u{1}\u{ff}".write(toFile: dir + "/proc/1/status", atomically: false, encoding: .utf8)
        try "/app\u{0}a\tb\u{1}c\u{0}\u{0}".write(toFile: dir + "/proc/1/cmdline", atomically: false, encoding: .utf8)
        let r = ps(["-p", "1", "-o", "pid,user,ruser,args"])
        XCTAssertEqual(r.out, "  PID USER     RUSER    COMMAND\n    1 croot    croot    /app a?b?c\n")
        XCTAssertEqual(r.code, 0)
        try "\u{0}\u{0}".write(toFile: dir + "/proc/1/cmdline", atomically: false, encoding: .utf8)
        XCTAssertEqual(ps(["-p", "1", "-o", "args"]).out, "COMMAND\n[app]\n")
    }

    /// Values no kernel writes: a process that is its own parent, counters
    /// at their maximum, priority at Int64.min. Every key prints, no trap.
    func testExtremeValuesAndSelfParentNeverTrap() throws {
        try FileManager.default.createDirectory(atPath: dir + "/proc/5", withIntermediateDirectories: true)
        try "5 (odd) S 5 5 5 0 5 0 0 0 0 0 18446744073709551615 18446744073709551615 0 0 -9223372036854775808 -20 9223372036854775807 0 18446744073709551615 18446744073709551615 9223372036854775807\n"
            .write(toFile: dir + "/proc/5/stat", atomically: false, encoding: .utf8)
        // STARTED prints local time of day: fix the zone for the exact rows.
        let savedTZ = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", "UTC0", 1); tzset()
        defer { if let savedTZ { setenv("TZ", savedTZ, 1) } else { unsetenv("TZ") }; tzset() }
        // Start time 2^64-1 ticks after boot: STIME is that year, TIME the
        // saturated 2^64-1 ticks; -1 pages of RSS wraps to 2^64-4 KiB.
        let expected: [([String], String)] = [
            (["-ef", "--forest"], """
            UID        PID  PPID  C STIME TTY          TIME CMD
            root         5     5  0 1550575216 ?   2135039823346-00:18:36 [odd]
            croot        1     0  0  2020 ?        00:00:03 /app --flag two words
            root         8     1  0  2020 pts/3    00:00:00 [a) (b]

            """),
            (["-e", "-H"], """
              PID TTY          TIME CMD
                5 ?        2135039823346-00:18:36 odd
                1 ?        00:00:03 app
                8 pts/3    00:00:00   a) (b

            """),
            (["-e", "--sort=-%cpu,rss", "-o", "pid,time,bsdtime,etime,stime,start,%cpu,c,rss,vsz,%mem,pri,ni,nlwp,stat"], """
              PID     TIME   TIME     ELAPSED STIME  STARTED %CPU  C   RSS    VSZ %MEM PRI  NI NLWP STAT
                1 00:00:03   0:03       16:39  2020   Jan 01  0.3  0  1000   8000  0.1  19   0    3 Ssl
                8 00:00:00   0:00       16:31  2020   Jan 01  0.0  0     0      0  0.0  14   5    1 RNs+
                5 2135039823346-00:18:36 3074457345618258:36 00:00 1550575216 12:18:36 0.0  0 18446744073709551612 18014398509481983 99.9 -9223372036854775769 -20 9223372036854775807 S<sl+

            """),
            // JSON: CPU seconds to the tick (2^64-2 ticks at 100 Hz, as TIME above).
            (["-e", "--json", "-o", "pid,time,rss,pri,nlwp"], """
            [
            {"pid":1,"time":3.00,"rss":1000,"pri":19,"nlwp":3},
            {"pid":5,"time":184467440737095516.14,"rss":18446744073709551612,"pri":-9223372036854775769,"nlwp":9223372036854775807},
            {"pid":8,"time":0.00,"rss":0,"pri":14,"nlwp":1}
            ]

            """),
        ]
        for (args, out) in expected {
            XCTAssertEqual(ps(args), RunResult(out: out, err: "", code: 0), "\(args)")
        }
        XCTAssertEqual(ps(["-p", "5", "-o", "pid,pri,ni,nlwp"]).out,
                       "  PID PRI  NI NLWP\n    5 -9223372036854775769 -20 9223372036854775807\n")
    }

    func testNothingSelectedExitsOne() {
        let r = ps(["-p", "4242"])
        XCTAssertEqual(r.out, "  PID TTY          TIME CMD\n")
        XCTAssertEqual(r.code, 1)
    }

    func testUsageErrors() {
        let r = ps(["-o", "pid,bogus"])
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.err, "ps: unknown key 'bogus' in -o (see toolbox ps --help)\n")
        XCTAssertEqual(ps(["-p", "x"]).code, 2)
        XCTAssertEqual(ps(["--sort=nope"]).code, 2)
    }
}

// MARK: - Differential tests against procps ps on processes started here

final class PsDifferentialTests: XCTestCase {
    nonisolated(unsafe) static var procs: [Process] = []
    nonisolated(unsafe) static var pids: [Int32] = []
    nonisolated(unsafe) static var zombieParent: Int32 = 0
    nonisolated(unsafe) static var zombie: Int32 = 0
    nonisolated(unsafe) static var chrootPid: Int32 = 0
    nonisolated(unsafe) static var bigUIDPid: Int32 = 0
    nonisolated(unsafe) static var parenPid: Int32 = 0
    nonisolated(unsafe) static var tmp = ""
    nonisolated(unsafe) static var setupError: String?

    override class func setUp() {
        do { try start() } catch { setupError = "\(error)" }
    }

    static func spawn(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        procs.append(p)
        return p.processIdentifier
    }

    static func start() throws {
        tmp = NSTemporaryDirectory() + "ps-diff-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp + "/root/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tmp + "/root/etc", withIntermediateDirectories: true)
        // A command whose name contains ") (".
        try fm.copyItem(atPath: "/bin/sleep", toPath: tmp + "/a) (b")
        parenPid = try spawn(tmp + "/a) (b", ["1000"])
        // A uid with no passwd entry, short and OpenShift-long.
        pids.append(try spawn("/usr/bin/setpriv", ["--reuid", "54321", "--regid", "54321", "--clear-groups", "/bin/sleep", "1001"]))
        bigUIDPid = try spawn("/usr/bin/setpriv", ["--reuid", "1000640000", "--regid", "1000640000", "--clear-groups", "/bin/sleep", "1002"])
        // A chroot whose /etc/passwd names uid 1000 differently from the host.
        try fm.copyItem(atPath: "/bin/busybox", toPath: tmp + "/root/bin/busybox")
        try "root:x:0:0::/:/bin/sh\ninchroot:x:1000:1000::/:/bin/sh\n".write(toFile: tmp + "/root/etc/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\nchrootgrp:x:1000:\n".write(toFile: tmp + "/root/etc/group", atomically: false, encoding: .utf8)
        chrootPid = try spawn("/usr/sbin/chroot", ["--userspec=1000:1000", tmp + "/root", "/bin/busybox", "sleep", "1003"])
        // A zombie: the child exits, its parent exec'd sleep and never reaps it.
        zombieParent = try spawn("/bin/sh", ["-c", "/bin/true & exec /bin/sleep 1004"])
        pids += [parenPid, bigUIDPid, chrootPid, zombieParent]
        // Wait until every exec has happened and the zombie exists.
        for _ in 0..<100 {
            usleep(20_000)
            let execd = pids.allSatisfy { p in
                ((try? String(contentsOfFile: "/proc/\(p)/cmdline", encoding: .utf8)) ?? "").contains("100")
                    && !((try? String(contentsOfFile: "/proc/\(p)/cmdline", encoding: .utf8)) ?? "").hasPrefix("/usr/")
            }
            if let kids = try? String(contentsOfFile: "/proc/\(zombieParent)/task/\(zombieParent)/children", encoding: .utf8),
               let z = Int32(kids.trimmingCharacters(in: .whitespacesAndNewlines)),
               let st = try? String(contentsOfFile: "/proc/\(z)/stat", encoding: .utf8), st.contains(") Z ") {
                zombie = z
                if execd { break }
            }
        }
        pids.append(zombie)
        pids.append(2)   // kthreadd: a kernel thread
    }

    override class func tearDown() {
        for p in procs where p.isRunning { p.terminate() }
        for p in procs { p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: tmp)
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("setup: \(e)"); throw CocoaError(.featureUnsupported) }
        XCTAssertNotEqual(Self.zombie, 0, "no zombie appeared")
    }

    var list: String { Self.pids.map(String.init).joined(separator: ",") }

    func both(_ args: [String]) throws -> (toolbox: RunResult, procps: RunResult) {
        let t = try runProcess(toolboxBinary(), ["ps"] + args)
        let p = try runProcess("/usr/bin/ps", args)
        return (t, p)
    }

    func testNamesAndIdsColumnsMatchExceptTheChrootsOwnNames() throws {
        let keys = "pid,ppid,pgid,sid,uid,ruid,gid,rgid,tty,stat,nlwp,ni,pri,rss,vsz,comm,args"
        let (t, p) = try both(["-p", list, "-o", keys])
        XCTAssertEqual(t.code, 0, t.err)
        XCTAssertEqual(t.out, p.out)
        XCTAssertTrue(t.out.contains(" a) (b "), t.out)
        XCTAssertTrue(t.out.contains("[kthreadd]"), t.out)
        XCTAssertTrue(t.out.contains("[true] <defunct>"), t.out)
    }

    func testUserColumnsTakeNamesFromTheProcessRootAndNeverTruncate() throws {
        let (t, p) = try both(["-p", list, "-o", "pid,user,ruser,group,rgroup,args"])
        // procps: host names and `1000640+`; toolbox: the chroot's names, the
        // full number, and user columns as wide as the longest value.
        var expected = try runProcess("/usr/bin/ps", ["-p", list, "-o", "pid,user:10,ruser:10,group:10,rgroup:10,args"]).out
        // The chroot's line: its own names in the four 10-wide name columns.
        expected = expected.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let prefix = String(format: "%5d ", Self.chrootPid)
            guard line.hasPrefix(prefix), line.count > 6 + 44 else { return String(line) }
            return prefix + "inchroot   inchroot   chrootgrp  chrootgrp  " + line.dropFirst(6 + 44)
        }.joined(separator: "\n")
        XCTAssertEqual(t.out, expected)
        XCTAssertTrue(p.out.contains("1000640+"), p.out)
        XCTAssertTrue(t.out.contains("1000640000 1000640000 1000640000 1000640000 /bin/sleep 1002"), t.out)
        XCTAssertTrue(t.out.contains("inchroot   inchroot   chrootgrp  chrootgrp  /bin/busybox sleep 1003"), t.out)
    }

    func testFullFormatMatchesWithWidenedUIDColumn() throws {
        let t = try runProcess(toolboxBinary(), ["ps", "-f", "-p", list])
        // procps with the UID column as wide as toolbox makes it (10 for 1000640000).
        let p = try runProcess("/usr/bin/ps", ["-p", list, "-o", "uid_hack:10=UID,pid,ppid,c,stime,tname,time,cmd"])
        XCTAssertEqual(t.out, p.out.replacingOccurrences(of: chrootHostName(10), with: "inchroot  "))
        // Without the long uid, the output is procps's byte for byte.
        let short = Self.pids.filter { $0 != Self.bigUIDPid && $0 != Self.chrootPid }.map(String.init).joined(separator: ",")
        let (t2, p2) = try both(["-f", "-p", short])
        XCTAssertEqual(t2.out, p2.out)
        XCTAssertTrue(t2.out.hasPrefix("UID        PID  PPID  C STIME TTY          TIME CMD\n"), t2.out)
    }

    func chrootHostName(_ width: Int) -> String {
        let n = (try? runProcess("/usr/bin/getent", ["passwd", "1000"]).out.split(separator: ":").first.map(String.init)) ?? nil
        return (n ?? "1000").padding(toLength: width, withPad: " ", startingAt: 0)
    }

    func testDefaultBSDThreadsForestSortAndHeaders() throws {
        let short = Self.pids.filter { $0 != Self.bigUIDPid && $0 != Self.chrootPid }.map(String.init).joined(separator: ",")
        for args in [["-p", short], ["u", "-p", short], ["-p", short, "-L"], ["-f", "-L", "-p", short],
                     ["-p", short, "--forest", "-o", "pid,ppid,args"], ["-p", short, "-H"],
                     ["-p", short, "--sort=-pid", "-o", "pid,comm"], ["-p", short, "--sort=ppid,-pid", "-o", "pid,ppid"],
                     ["--no-headers", "-p", short], ["-p", short, "-o", "pid=PROCESS,comm:20=NAME,wchan"],
                     ["-u", "54321", "-o", "pid,user,args"]] {
            let (t, p) = try both(args)
            XCTAssertEqual(t.out, p.out, "ps \(args.joined(separator: " "))")
            XCTAssertEqual(t.code, p.code, "ps \(args.joined(separator: " "))")
        }
    }

    func testTimeColumnsHaveProcpsFormat() throws {
        let (t, p) = try both(["-p", list, "-o", "pid,time,bsdtime,etime,etimes,stime,start,%cpu,%mem,c"])
        // Digit runs become 9 and blank runs one blank: values may tick between runs.
        func shape(_ s: String) -> String {
            s.replacingOccurrences(of: "[0-9]+", with: "9", options: .regularExpression)
                .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        }
        XCTAssertEqual(t.out.split(separator: "\n").count, p.out.split(separator: "\n").count)
        XCTAssertEqual(shape(t.out), shape(p.out))
    }

    func testJSONLines() throws {
        let t = try runProcess(toolboxBinary(), ["ps", "--jsonl", "-p", "\(Self.chrootPid),\(Self.bigUIDPid)", "-o", "pid,user,uid,args"])
        let objs = try t.out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objs.count, 2)
        var byPid: [Int32: [String: Any]] = [:]
        for o in objs { byPid[(o["pid"] as! NSNumber).int32Value] = o }
        XCTAssertEqual(byPid[Self.chrootPid]?["user"] as? String, "inchroot")
        XCTAssertTrue(byPid[Self.bigUIDPid]?["user"] is NSNull)   // no name: null, the id is in uid
        XCTAssertEqual((byPid[Self.bigUIDPid]?["uid"] as? NSNumber)?.uint32Value, 1000640000)
        XCTAssertEqual(byPid[Self.chrootPid]?["args"] as? String, "/bin/busybox sleep 1003")
    }

    /// Without ptrace access to another uid's process, its root cannot be
    /// examined: the debugger's names are used and --verbose says so once.
    func testVerboseSaysWhenNamesFallBackToTheseFiles() throws {
        let r = try runProcess("/usr/bin/setpriv", ["--reuid", "54321", "--regid", "54321", "--clear-groups",
                                                        toolboxBinary(), "ps", "--verbose", "-p", "1,\(Self.parenPid)", "-o", "pid,user"])
        XCTAssertEqual(r.out, String(format: "  PID USER\n    1 root\n%5d root\n", Self.parenPid))
        XCTAssertEqual(r.err, "ps: /proc/1/root: Permission denied: user and group names for such processes come from this container's /etc/passwd and /etc/group\n")
        XCTAssertEqual(r.code, 0)
    }

    /// /proc mounted with hidepid=2 in a private mount namespace: an
    /// unprivileged ps sees only its own processes, and says nothing.
    func testHidepidProcShowsOnlyOwnProcesses() throws {
        let bin = try toolboxBinary()
        let r = try runProcess("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c",
            "mount -t proc -o hidepid=2 proc /proc && exec /usr/bin/setpriv --reuid 54321 --regid 54321 --clear-groups \(bin) ps -e -o user,comm"])
        XCTAssertEqual(r.err, "")
        // The test's own `setpriv --reuid 54321 sleep 1001` is the other one.
        // Rows come in pid order, and pids wrap (pid_max 32768 here): the
        // newer toolbox can have the lower pid, so compare the rows as a set.
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first, "USER     COMMAND")
        XCTAssertEqual(lines.dropFirst().sorted(), ["", "54321    sleep", "54321    toolbox"])
    }
}

// MARK: - A real container and pod (podman, the runtime installed here)

final class PsContainerTests: XCTestCase {
    /// podman runs a busybox rootfs whose /etc/passwd names uid 1000
    /// "appuser", in a pod whose infra process is catatonit: ps shows the
    /// container ids podman reports, the container's own user name and the
    /// infra marker.
    func testPodmanContainerIdsNamesAndInfra() throws {
        let tmp = NSTemporaryDirectory() + "ps-podman-\(getpid())"
        let fm = FileManager.default
        try fm.createDirectory(atPath: tmp + "/root/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tmp + "/root/etc", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: tmp) }
        try fm.copyItem(atPath: "/bin/busybox", toPath: tmp + "/root/bin/busybox")
        try "root:x:0:0::/:/bin/sh\nappuser:x:1000:1000::/:/bin/sh\n".write(toFile: tmp + "/root/etc/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\n".write(toFile: tmp + "/root/etc/group", atomically: false, encoding: .utf8)
        // RLIMIT_NOFILE cannot be raised here: no default ulimits.
        try "[containers]\ndefault_ulimits = []\n".write(toFile: tmp + "/containers.conf", atomically: false, encoding: .utf8)
        let env = ProcessInfo.processInfo.environment.merging(["CONTAINERS_CONF": tmp + "/containers.conf"]) { $1 }
        // posix_spawn + waitpid with output to files, not Foundation's Process
        // with pipes: `podman run -d` leaves conmon behind holding what it
        // inherited, so neither end of file nor Process's exit notification
        // would arrive.
        func podman(_ args: [String]) throws -> RunResult {
            let outPath = tmp + "/podman.out", errPath = tmp + "/podman.err"
            let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { close(outFD); close(errFD); close(nullFD) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, nullFD, 0)
            posix_spawn_file_actions_adddup2(&actions, outFD, 1)
            posix_spawn_file_actions_adddup2(&actions, errFD, 2)
            let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/podman"] + args).map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, "/usr/bin/podman", &actions, nil, argv, envp)
            guard rc == 0 else { throw CocoaError(.executableLoad) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return RunResult(out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                             err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                             code: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        }
        let tag = "localhost/toolbox-ps-test-\(getpid()):latest", pod = "toolbox-ps-test-\(getpid())"
        XCTAssertEqual(try runProcess("/bin/tar", ["-C", tmp + "/root", "-cf", tmp + "/root.tar", "."]).code, 0)
        XCTAssertEqual(try podman(["import", "-q", tmp + "/root.tar", tag]).code, 0)
        defer { _ = try? podman(["pod", "rm", "-f", "-t", "0", pod]); _ = try? podman(["rmi", "-f", tag]) }
        let created = try podman(["pod", "create", "--name", pod])
        XCTAssertEqual(created.code, 0, created.err)
        let r = try podman(["run", "-d", "--pod", pod, "--user", "1000:1000", tag, "/bin/busybox", "sleep", "1005"])
        XCTAssertEqual(r.code, 0, r.err)
        let cid = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try podman(["inspect", "-f", "{{.State.Pid}}", cid]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let infra = try podman(["pod", "inspect", "-f", "{{.InfraContainerID}}", pod]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let infraPid = try podman(["inspect", "-f", "{{.State.Pid}}", infra]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let t = try runProcess(toolboxBinary(), ["ps", "-p", "\(pid),\(infraPid)", "-o", "pid,user,container,args"])
        XCTAssertEqual(t.code, 0, t.err)
        let lines = t.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, t.out)
        func row(_ p: String) -> String? { lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(p + " ") } }
        XCTAssertEqual(row(pid).map { $0.split(separator: " ").map(String.init) },
                       [pid, "appuser", String(cid.prefix(12)), "/bin/busybox", "sleep", "1005"])
        XCTAssertEqual(row(infraPid)?.split(separator: " ").dropFirst(2).first.map(String.init), String(infra.prefix(12)) + "(infra)")
        // --containers lists both, infra first within the pod... sorted by container id.
        let all = try runProcess(toolboxBinary(), ["ps", "--containers"])
        XCTAssertTrue(all.out.hasPrefix("CONTAINER  "), all.out)
        XCTAssertTrue(all.out.contains(String(cid.prefix(12)) + " "), all.out)
        XCTAssertTrue(all.out.contains(String(infra.prefix(12)) + "(infra) "), all.out)
        // The column widens for `<id>(infra)`: the right-aligned PID column
        // ends at the same place on every line, the header's included.
        func pidEnd(_ line: Substring) -> Int? {
            let chars = Array(line)
            var i = 0
            while i < chars.count, chars[i] != " " { i += 1 }          // container field
            while i < chars.count, chars[i] == " " { i += 1 }
            while i < chars.count, chars[i] != " " { i += 1 }          // PID
            return i
        }
        let ends = Set(all.out.split(separator: "\n").compactMap(pidEnd))
        XCTAssertEqual(ends.count, 1, all.out)
    }
}

/// A process that changed its ids without exec (and made itself not
/// dumpable): ps shows the ids procps shows. Where /proc/PID is owned by
/// root (kernels that follow dumpability there; the fixture trees are
/// root-owned too) the ids come from status: a short scan of the Uid/Gid
/// lines for -ef, the whole file for keys that need more.
final class PsNonDumpableTests: XCTestCase {
    func testIdsOfAProcessThatDroppedRootWithoutExec() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import os,time; os.setresgid(4321,4321,4321); os.setresuid(4322,4321,4321); import ctypes; ctypes.CDLL(None).prctl(4,0,0,0,0); print('ready', flush=True); time.sleep(60)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        _ = pipe.fileHandleForReading.availableData   // "ready": the ids have changed
        let pid = String(p.processIdentifier)
        let bin = try toolboxBinary()
        for args in [["-p", pid, "-o", "uid,pid,ppid,tname,cmd"], ["-p", pid, "-o", "pid,uid,euid,ruid,gid,egid,rgid,user,ruser,group,comm"],
                     ["-p", pid, "-o", "pid,euid,egid,user,rss,vsz"]] {
            let t = try runProcess(bin, ["ps"] + args)
            let r = try runProcess("/usr/bin/ps", args)
            XCTAssertEqual(t.out, r.out, "ps \(args.joined(separator: " "))")
        }
        XCTAssertTrue(try runProcess(bin, ["ps", "-p", pid, "-o", "ruid=,euid="]).out.contains("4322"))
    }
}
