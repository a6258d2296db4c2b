import Foundation
import ToolboxCore
import XCTest

/// Regressions found in review: traps reachable from archive content, file
/// timestamps and /proc text, and a quick fuzz of the pure parsers.
final class ReviewRegressionTests: XCTestCase {

    /// A pax archive: an 'x' header with `records` for member `a` (3 bytes
    /// "abc"), then an empty member `b`, then the end marker.
    private func paxArchive(_ records: [(String, [UInt8])]) -> [UInt8] {
        let data = Ustar.encodePax(records)
        var x = TarHeader(name: "PaxHeaders/a")
        x.typeflag = TarType.paxExtended
        x.size = UInt64(data.count)
        var out = Ustar.ustarBlock(x) + data + [UInt8](repeating: 0, count: Ustar.padding(UInt64(data.count)))
        var a = TarHeader(name: "a"); a.size = 3
        out += Ustar.ustarBlock(a) + Array("abc".utf8) + [UInt8](repeating: 0, count: 509)
        out += Ustar.ustarBlock(TarHeader(name: "b"))
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    private func writeTemp(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "review-\(getpid())-\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A pax `size` beyond Int64 (GNU: "out of range", value ignored) used
    /// to trap in TarReader.skipData (remaining + padding overflowed, or
    /// off_t(skip) did not fit).
    func testPaxSizeOutOfRangeIsIgnoredNotATrap() throws {
        for size in ["18446744073709551615", "10000000000000000000", "9223372036854775808"] {
            let path = try writeTemp(paxArchive([("size", Array(size.utf8))]), "size.tar")
            let r = runToolbox(["toolbox", "tar", "tvf", path])
            XCTAssertEqual(r.out, """
                -rw-r--r-- 0/0               3 1970-01-01 00:00 a
                -rw-r--r-- 0/0               0 1970-01-01 00:00 b

                """, size)
            XCTAssertEqual(r.code, 0, r.err)
        }
        XCTAssertNil(withBytes(Ustar.encodePax([("size", Array("18446744073709551615".utf8))])) { b -> UInt64? in
            var h = TarHeader(name: "x"); h.size = 7
            Ustar.apply(Ustar.parsePax(b)!, to: &h)
            return h.size == 7 ? nil : h.size
        })
    }

    /// The largest size a header can carry (base-256 Int64.max) on a
    /// seekable file whose data is missing: an EOF error, not a trap.
    func testHugeSizeOnSeekableArchiveIsUnexpectedEOF() throws {
        let path = try writeTemp(paxArchive([("size", Array(String(Int64.max).utf8))]), "huge.tar")
        let r = runToolbox(["toolbox", "tar", "tf", path])
        XCTAssertEqual(r.out, "a\n")
        XCTAssertEqual(r.err, "tar: Unexpected EOF in archive\ntar: Exiting with failure status due to previous errors\n")
        XCTAssertEqual(r.code, 1)
    }

    /// `mtime=-9223372036854775808.5` (Int64.min with a fraction) trapped in
    /// parsePaxTime (secs - 1).
    func testPaxTimeAtInt64MinIsRejected() {
        XCTAssertNil(Ustar.parsePaxTime("-9223372036854775808.5"))
        XCTAssertEqual(Ustar.parsePaxTime("-9223372036854775808")?.0, Int64.min)
        XCTAssertEqual(Ustar.parsePaxTime("-1.25")?.0, -2)
        XCTAssertEqual(Ustar.parsePaxTime("-1.25")?.1, 750_000_000)
    }

    /// A year past Int32.max (tm_year + 1900 overflowed Int32) trapped in
    /// tar's listing; when localtime fails GNU prints the seconds.
    func testListingFarFutureAndUnrepresentableTimes() throws {
        setenv("TZ", "UTC", 1); tzset()
        let path = try writeTemp(paxArchive([("mtime", Array("67768000000000000".utf8))]), "mtime.tar")
        let r = runToolbox(["toolbox", "tar", "tvf", path])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").first, "-rw-r--r-- 0/0               3 2147484401-02-16 20:26 a")
        let path2 = try writeTemp(paxArchive([("mtime", Array(String(Int64.max).utf8))]), "mtime2.tar")
        let r2 = runToolbox(["toolbox", "tar", "tvf", path2])
        XCTAssertEqual(r2.out.split(separator: "\n").first, "-rw-r--r-- 0/0               3 9223372036854775807 a")
    }

    /// stat and ls -l of a file dated in year 2147484401 (tmpfs stores any
    /// 64-bit time): stat trapped; ls printed a made-up date when localtime
    /// failed. Compared with GNU stat and ls.
    func testStatAndLsOfFarFutureAndFarPastTimesMatchGNU() throws {
        let dir = "/dev/shm/review-times-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try toolboxBinary()
        for (name, secs) in [("future", "67768000000000000"), ("past", "-67768100000000000"), ("big", "4611686018427387904")] {
            let f = "\(dir)/\(name)"
            try sh("touch -d @\(secs) \(f)")
            let env = ["TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/bin:/bin"]
            let gnuStat = try runProcess("/usr/bin/stat", ["-c", "%y", f], environment: env)
            let ours = try runProcess(bin, ["stat", f], environment: env)
            XCTAssertEqual(ours.code, 0, name + ours.err)
            XCTAssertTrue(ours.out.contains("Modify: " + gnuStat.out), "\(name): \(ours.out) vs \(gnuStat.out)")
            let gnuLs = try runProcess("/bin/ls", ["-l", f], environment: env)
            let ourLs = try runProcess(bin, ["ls", "-l", f], environment: env)
            XCTAssertEqual(ourLs.out, gnuLs.out, name)
        }
    }

    /// netstat --pid -e named socket owners from the debugger's own
    /// /etc/passwd when the target's root could not be opened (it read
    /// /proc/PID/root directly, without the borrowed identity caps uses).
    /// Now: the container's names, or numbers, never the host's.
    func testNetstatPidUserNamesNeverComeFromTheHost() throws {
        let base = NSTemporaryDirectory() + "review-netstat-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let fm = FileManager.default
        for d in ["proc/42/net", "proc/self", "host/etc", "container/etc"] {
            try fm.createDirectory(atPath: "\(base)/\(d)", withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: fixturePath("netstat/proc/net/tcp"), toPath: "\(base)/proc/42/net/tcp")
        try "Name:\ttoolbox\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t0000000000000000\n"
            .write(toFile: "\(base)/proc/self/status", atomically: true, encoding: .utf8)
        try fm.copyItem(atPath: "\(base)/proc/self/status", toPath: "\(base)/proc/42/status")
        try "hostroot:x:0:0::/:/bin/sh\n".write(toFile: "\(base)/host/etc/passwd", atomically: true, encoding: .utf8)
        try "approot:x:0:0::/:/bin/sh\n".write(toFile: "\(base)/container/etc/passwd", atomically: true, encoding: .utf8)
        func firstRow() -> String {
            let r = runToolbox(["netstat", "--pid", "42", "-tle", "--numeric-ports"],
                               procRoot: base + "/proc", hostRoot: base + "/host")
            XCTAssertEqual(r.code, 0, r.err)
            return r.out.split(separator: "\n").dropFirst(2).first.map(String.init) ?? ""
        }
        // The root cannot be opened (gone): numbers.
        try fm.createSymbolicLink(atPath: "\(base)/proc/42/root", withDestinationPath: "/nonexistent-review")
        XCTAssertTrue(firstRow().contains(" 0          17360 "), firstRow())
        XCTAssertFalse(firstRow().contains("hostroot"))
        // The container's own /etc/passwd.
        try fm.removeItem(atPath: "\(base)/proc/42/root")
        try fm.createSymbolicLink(atPath: "\(base)/proc/42/root", withDestinationPath: base + "/container")
        XCTAssertTrue(firstRow().contains(" approot    17360 "), firstRow())
    }

    /// `/proc/PID/task/TID/root/...` and relative paths taken from a working
    /// directory under /proc (`cd /proc/PID && cat root/...`) were not
    /// recognised as container paths: absolute symlinks inside resolved
    /// against the debugger's root (showed the host's file).
    func testTaskRootsAndRelativePathsAreConfined() throws {
        // A TID that is not a thread of the PID names no root (not /proc/TID/root).
        let notMine = runToolbox(["ls", "/proc/\(getpid())/task/1/root/"])
        XCTAssertEqual(notMine.out, "")
        XCTAssertEqual(notMine.err, "ls: cannot access '/proc/\(getpid())/task/1/root/': No such file or directory\n")
        XCTAssertEqual(notMine.code, 1)

        let bin = try toolboxBinary()
        let rootfs = NSTemporaryDirectory() + "review-rootfs-\(getpid())"
        let fm = FileManager.default
        try fm.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: rootfs + "/etc/ssl", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: rootfs) }
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        try "inside\n".write(toFile: rootfs + "/etc/ssl/real.pem", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: rootfs + "/etc/ssl/cert.pem", withDestinationPath: "/etc/ssl/real.pem")
        let target = Process()
        target.executableURL = URL(fileURLWithPath: "/usr/sbin/chroot")
        target.arguments = [rootfs, "/bin/busybox", "sleep", "60"]
        try target.run()
        defer { target.terminate(); target.waitUntilExit() }
        let pid = String(target.processIdentifier)
        // Wait for the exec into the chroot.
        for _ in 0..<100 where (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) != "busybox\n" { usleep(10_000) }
        let viaTask = try runProcess(bin, ["cat", "/proc/\(pid)/task/\(pid)/root/etc/ssl/cert.pem"])
        XCTAssertEqual(viaTask.out, "inside\n", viaTask.err)
        XCTAssertEqual(viaTask.code, 0)
        let relative = try runProcess(bin, ["cat", "root/etc/ssl/cert.pem"], currentDirectory: "/proc/\(pid)")
        XCTAssertEqual(relative.out, "inside\n", relative.err)
        let readlink = try runProcess(bin, ["readlink", "-f", "\(pid)/task/\(pid)/root/etc/ssl/cert.pem"], currentDirectory: "/proc")
        XCTAssertEqual(readlink.out, "/proc/\(pid)/task/\(pid)/root/etc/ssl/real.pem\n", readlink.err)
    }

    /// A tree 10,000 directories deep (a hostile container can make one)
    /// overflowed the stack: find, ls -R and tar c crashed with SIGSEGV.
    /// Then they stopped at 2048 levels; now the one directory walker (an
    /// explicit stack, a few descriptors) walks all of it, as GNU find does.
    func testVeryDeepTreesAreWalkedNotACrash() throws {
        let bin = try toolboxBinary()
        let dir = NSTemporaryDirectory() + "review-deep-\(getpid())"
        defer { _ = try? sh("rm -rf '\(dir)'") }
        let make = try runProcess("/usr/bin/python3", ["-c", """
            import os, sys
            os.mkdir(sys.argv[1]); fd = os.open(sys.argv[1], os.O_RDONLY)
            for i in range(10000):
                os.mkdir('d', dir_fd=fd); n = os.open('d', os.O_RDONLY, dir_fd=fd); os.close(fd); fd = n
            os.close(os.open('leaf', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
            """, dir])
        XCTAssertEqual(make.code, 0, make.err)
        let deepest = dir + String(repeating: "/d", count: 10000)
        let find = try runProcess(bin, ["find", dir, "-name", "leaf"])
        XCTAssertEqual(find, RunResult(out: deepest + "/leaf\n", err: "", code: 0))
        let gnuFind = try runProcess(try which("find"), [dir, "-name", "leaf"])
        XCTAssertEqual(find.out, gnuFind.out)
        // (The whole listings are ~100 MB: counted, not kept.)
        let ls = try sh("'\(bin)' ls -R '\(dir)' | grep -c '^leaf$'")
        XCTAssertEqual(ls, RunResult(out: "1\n", err: "", code: 0))
        let tar = try sh("'\(bin)' tar cf - '\(dir)' 2>/dev/null | tar tf - | tail -1")
        XCTAssertEqual(tar, RunResult(out: String(deepest.dropFirst()) + "/leaf\n", err: "", code: 0))
    }

    /// A write error on stdout was reported as `toolbox: write error: ...`
    /// rather than with the applet's name (`APPLET: message` convention).
    func testWriteErrorNamesTheApplet() throws {
        let bin = try toolboxBinary()
        let r = try sh("'\(bin)' ls / > /dev/full")
        XCTAssertEqual(r.err, "ls: write error: No space left on device\n")
        XCTAssertEqual(r.code, 1)
        let d = "/tmp/review-link-\(getpid())"
        let viaLink = try sh("mkdir -p \(d) && ln -sf '\(bin)' \(d)/cat && \(d)/cat /etc/passwd > /dev/full; rc=$?; rm -rf \(d); exit $rc")
        XCTAssertEqual(viaLink.err, "cat: write error: No space left on device\n")
        XCTAssertEqual(viaLink.code, 1)
    }

    /// `find -newer LINK` compared with the link's target's mtime; GNU find
    /// (-P, the default and the only mode here) uses the link's own.
    func testFindNewerUsesTheSymlinksOwnTimeLikeGNU() throws {
        let bin = try toolboxBinary()
        let dir = NSTemporaryDirectory() + "review-newer-\(getpid())"
        defer { _ = try? sh("rm -rf '\(dir)'") }
        try sh("mkdir -p '\(dir)' && cd '\(dir)' && touch -d '10 days ago' old && touch -d '5 days ago' mid && ln -s old link && touch -h -d '1 day ago' link && touch new")
        let gnu = try runProcess("/usr/bin/find", [dir, "-newer", dir + "/link"])
        let ours = try runProcess(bin, ["find", dir, "-newer", dir + "/link"])
        XCTAssertEqual(ours.out, gnu.out)
        XCTAssertEqual(Set(ours.out.split(separator: "\n").map(String.init)), [dir, dir + "/new"])
    }

    /// tar c of a container path read the container's /etc/passwd and
    /// /etc/group (for owner names) without O_NOATIME: their access times
    /// changed (relatime updates an atime older than a day). Reading must
    /// not change the target.
    func testTarReadsTheContainersPasswdWithoutTouchingIt() throws {
        let bin = try toolboxBinary()
        let rootfs = NSTemporaryDirectory() + "review-atime-\(getpid())"
        defer { _ = try? sh("rm -rf '\(rootfs)'") }
        try sh("mkdir -p '\(rootfs)/bin' '\(rootfs)/etc' && cp /bin/busybox '\(rootfs)/bin/' && echo 'app:x:1000:1000::/:/bin/sh' > '\(rootfs)/etc/passwd' && echo 'app:x:1000:' > '\(rootfs)/etc/group' && echo h > '\(rootfs)/etc/hostname' && chown 1000:1000 '\(rootfs)/etc/hostname'")
        let target = Process()
        target.executableURL = URL(fileURLWithPath: "/usr/sbin/chroot")
        target.arguments = ["--userspec=1000:1000", rootfs, "/bin/busybox", "sleep", "60"]
        try target.run()
        defer { target.terminate(); target.waitUntilExit() }
        let pid = target.processIdentifier
        for _ in 0..<100 where (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) != "busybox\n" { usleep(10_000) }
        try sh("touch -a -d '3 days ago' '\(rootfs)/etc/passwd' '\(rootfs)/etc/group'")
        let before = try sh("stat -c %X '\(rootfs)/etc/passwd' '\(rootfs)/etc/group'").out
        let r = try runProcess(bin, ["tar", "-c", "-vv", "-f", "/dev/null", "/proc/\(pid)/root/etc/hostname"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains(" app/app "), r.out)   // the names did come from the container
        XCTAssertEqual(try sh("stat -c %X '\(rootfs)/etc/passwd' '\(rootfs)/etc/group'").out, before)
    }

    /// netstat wrote unix socket paths (chosen by any container) raw to
    /// the debugger's terminal, escape sequences included; ls and find
    /// already print control characters as `?` on a terminal.
    func testNetstatSanitizesSocketPathsOnATerminal() throws {
        let bin = try toolboxBinary()
        let dir = NSTemporaryDirectory() + "review-sock-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/x\u{1b}]0;owned\u{07}y"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-c", "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); print('ok', flush=True); time.sleep(30)", path]
        let pipe = Pipe(); server.standardOutput = pipe
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        _ = pipe.fileHandleForReading.availableData   // "ok": bound and listening
        let tty = try runProcess(try which("script"), ["-qc", "\(bin) netstat -xlp", "/dev/null"])
        let row = tty.out.replacingOccurrences(of: "\r", with: "").split(separator: "\n").first { $0.contains(dir) } ?? ""
        XCTAssertTrue(row.hasSuffix(" " + dir + "/x?]0;owned?y"), String(reflecting: row))
        XCTAssertFalse(tty.out.contains("\u{1b}]0;owned"))
        // To a pipe the bytes are unchanged (scripts get the exact path).
        let piped = try runProcess(bin, ["netstat", "-xl"])
        XCTAssertTrue(piped.out.contains(path + "\n"))
    }

    /// A pax path (or linkpath) with NUL bytes, `..\0/..\0/pwned`, passed
    /// the `..` check (no component equals "..") and then reached openat as
    /// "..": tar x wrote outside the destination. Names now end at the NUL
    /// as GNU tar reads them, and are refused like GNU tar's.
    func testPaxNamesWithNULCannotEscapeTheDestination() throws {
        let base = NSTemporaryDirectory() + "review-nul-\(getpid())"
        let dest = base + "/a/b/c"
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        func member(_ records: [(String, [UInt8])], _ h: TarHeader, data: [UInt8] = []) -> [UInt8] {
            let pax = Ustar.encodePax(records)
            var x = TarHeader(name: "PaxHeaders/m"); x.typeflag = TarType.paxExtended; x.size = UInt64(pax.count)
            return Ustar.ustarBlock(x) + pax + [UInt8](repeating: 0, count: Ustar.padding(UInt64(pax.count)))
                + Ustar.ustarBlock(h) + data + [UInt8](repeating: 0, count: Ustar.padding(UInt64(data.count)))
        }
        var file = TarHeader(name: "innocent"); file.size = 5
        var link = TarHeader(name: "innocent-link"); link.typeflag = TarType.hardLink
        var archive = member([("path", Array("..\0/..\0/..\0/pwned".utf8))], file, data: Array("evil\n".utf8))
        archive += member([("linkpath", Array("..\0/..\0/..\0/pwned-target".utf8))], link)
        archive += [UInt8](repeating: 0, count: 1024)
        try "t".write(toFile: base + "/pwned-target", atomically: true, encoding: .utf8)
        let path = try writeTemp(archive, "nul.tar")
        let r = runToolbox(["toolbox", "tar", "xf", path, "-C", dest])
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/pwned"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/a/pwned"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dest), [])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, """
            tar: Removing leading `..' from member names
            tar: ..: Member name contains '..'
            tar: innocent-link: Cannot hard link to '..': invalid link target
            tar: Exiting with failure status due to previous errors

            """)
        let list = runToolbox(["toolbox", "tar", "tf", path])
        XCTAssertEqual(list.out, "..\ninnocent-link\n")
    }

    /// stat and readlink wrote a container's link text raw to the terminal
    /// (escape sequences included); on a terminal they now print control
    /// characters as `?`, like ls -l; to a pipe, the exact bytes.
    func testStatAndReadlinkSanitizeLinkTextOnATerminal() throws {
        let bin = try toolboxBinary()
        let dir = NSTemporaryDirectory() + "review-esc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/l", withDestinationPath: "evil\u{1b}]0;X\u{07}")
        let script = try which("script")
        let stat = try runProcess(script, ["-qc", "\(bin) stat \(dir)/l", "/dev/null"])
        XCTAssertTrue(stat.out.hasPrefix("  File: \(dir)/l -> evil?]0;X?\r\n"), String(reflecting: stat.out))
        let readlink = try runProcess(script, ["-qc", "\(bin) readlink \(dir)/l", "/dev/null"])
        XCTAssertEqual(readlink.out, "evil?]0;X?\r\n")
        let piped = try runProcess(bin, ["readlink", dir + "/l"])
        XCTAssertEqual(piped.out, "evil\u{1b}]0;X\u{07}\n")
    }

    /// The userspace walk (kernels before 5.6, seccomp profiles without
    /// openat2) refused O_CREAT for a file that does not exist yet, so
    /// `tar cf /proc/PID/root/tmp/new.tar` failed there while it worked
    /// with openat2.
    func testUserspaceWalkCreatesFilesLikeOpenat2() throws {
        let root = NSTemporaryDirectory() + "review-walk-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: "/tmp/via-link")
        let rootFD = try FileDescriptor.open(root, O_PATH | O_DIRECTORY)
        defer { rootFD.close() }
        for resolver in [ConfinedResolver.kernel, .userspace] {
            for (path, created) in [("/tmp/new-\(resolver)", "/tmp/new-\(resolver)"), ("/out", "/tmp/via-link")] {
                let fd = try openInRoot(rootFD, path, flags: O_WRONLY | O_CREAT | O_TRUNC, resolver: resolver)
                fd.close()
                XCTAssertTrue(FileManager.default.fileExists(atPath: root + created), "\(resolver) \(path)")
                try? FileManager.default.removeItem(atPath: root + created)
            }
            // Never outside the root: the absolute link stayed inside.
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/via-link"))
        }
    }

    // MARK: - fuzz

    /// Random bytes and mutated fixtures through every pure parser: none
    /// may trap (a trap kills the test process). Deterministic seed.
    func testParsersSurviveRandomAndMutatedInput() throws {
        var rng = SplitMix(seed: 0x7007_b0c5)
        var seeds: [[UInt8]] = [
            Array("Name:\tapp\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t00000000a80425fb\nThreads:\t4\n".utf8),
            Array("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n".utf8),
            Array("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0\n".utf8),
            Array("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n".utf8),
            Array("Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/app.sock\n".utf8),
        ]
        for dir in ["ps", "status", "netstat", "caps"] {
            let base = fixturePath(dir)
            if let e = FileManager.default.enumerator(atPath: base) {
                while let p = e.nextObject() as? String {
                    if seeds.count > 60 { break }
                    if let d = FileManager.default.contents(atPath: base + "/" + p), d.count < 1 << 16 { seeds.append(Array(d)) }
                }
            }
        }
        let tarSeed = paxArchive([("path", Array("long/name".utf8)), ("mtime", Array("12.5".utf8))])
        // A fixed number of rounds (not a time budget), so every run covers
        // the same inputs; coverage-guided fuzzing is scripts/fuzz's job.
        let rounds = 5_000
        var parsedStat = 0
        for round in 1...rounds {
            var input: [UInt8]
            if rng.next() % 4 == 0 {
                input = (0..<Int(rng.next() % 700)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = seeds[Int(rng.next() % UInt64(seeds.count))]
                mutate(&input, &rng)
            }
            input.withUnsafeBufferPointer { b in
                if let st = PidStat.parse(b) {
                    // A parsed line names its command between its first `(` and last `)`.
                    parsedStat += 1
                    XCTAssertGreaterThan(st.pid, 0)
                    XCTAssertEqual(b[st.commStart - 1], ASCII.openParen)
                    XCTAssertEqual(b[st.commStart + st.commCount], ASCII.closeParen)
                }
                _ = ContainerRef.parse(b)
                _ = PidStatus.parse(b)
                _ = IDNames(parsing: b)
                InetSocket.forEach(in: b) { _ in }
                UnixSocket.forEach(in: b) { _ in }
                _ = Ustar.parsePax(b)
                if b.count >= 512 { _ = Ustar.decode(Bytes(rebasing: b[0..<512])) }
                for f in [8, 12] where b.count >= f { _ = Ustar.parseNumber(Bytes(rebasing: b[0..<f])) }
            }
            _ = Ustar.parsePaxTime(String(decoding: input.prefix(40), as: UTF8.self))
            _ = Ustar.unsafePrefixLength(input)
            _ = Ustar.components(input)
            _ = Ustar.splitName(input)
            if round % 8 == 0 {
                var t = tarSeed
                mutate(&t, &rng)
                // Half the time, make the mutated headers' checksums valid
                // again so the field decoders (not just the checksum) are hit.
                if rng.next() % 2 == 0 { fixChecksums(&t) }
                try readWholeArchive(t)
            }
        }
        // The seeds include real stat lines, so some mutants still parse.
        XCTAssertEqual(parsedStat, 67)
    }

    /// Recomputes the checksum of every 512-byte block with the ustar magic.
    private func fixChecksums(_ t: inout [UInt8]) {
        var off = 0
        while off + 512 <= t.count {
            if t[off + 257] == 0x75, t[off + 258] == 0x73, t[off + 259] == 0x74 {
                let (sum, _) = t.withUnsafeBufferPointer { Ustar.checksums(Bytes(rebasing: $0[off..<(off + 512)])) }
                let ck = Ustar.octal(sum, width: 7)! + [0x20]
                for i in 0..<8 { t[off + 148 + i] = ck[i] }
            }
            off += 512
        }
    }

    private func mutate(_ input: inout [UInt8], _ rng: inout SplitMix) {
        let interesting: [UInt8] = [0, 0x20, 0x0A, 0x3A, 0x2F, 0x2E, 0x29, 0x80, 0xFF, 0x30, 0x37, 0x39, 0x66, 0x3D]
        for _ in 0..<(1 + Int(rng.next() % 8)) {
            switch rng.next() % 5 {
            case 0 where !input.isEmpty: input[Int(rng.next() % UInt64(input.count))] = interesting[Int(rng.next() % UInt64(interesting.count))]
            case 1 where !input.isEmpty: input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where !input.isEmpty: input.removeLast(Int(rng.next() % UInt64(input.count)))
            case 3: input.insert(contentsOf: Array("99999999999999999999".utf8), at: input.isEmpty ? 0 : Int(rng.next() % UInt64(input.count)))
            default: if !input.isEmpty { input.remove(at: Int(rng.next() % UInt64(input.count))) }
            }
        }
    }

    /// Reads every entry and all data of an archive through TarReader from
    /// a pipe (not seekable; the archive is smaller than the pipe buffer).
    private func readWholeArchive(_ bytes: [UInt8]) throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        XCTAssertLessThan(bytes.count, 60000)
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        XCTAssertEqual(written, bytes.count)
        close(fds[1])
        let reader = TarReader(FileDescriptor(rawValue: fds[0]))
        do {
            var n = 0
            while let h = try reader.next(), n < 100 {
                n += 1
                _ = h.name
                while try reader.readData().count > 0 {}
            }
        } catch {}
        close(fds[0])
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
