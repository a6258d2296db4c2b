import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

/// stat -c/--printf/-f/-t/-L, cat -nbsETAvet and readlink -femnqsvz: the
/// release binary and GNU coreutils on the same tree (made here), compared
/// byte for byte (stdout, stderr, exit code) under LC_ALL=C.
class StatCatReadlinkFixture: XCTestCase {
    var dir = ""
    var t: String { dir + "/t" }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-scr-\(getpid())-\(UUID().uuidString.prefix(6))").path
        let script = """
        set -e
        mkdir -p '\(dir)/t' && cd '\(dir)/t'
        printf 'hello\\n' > f; chmod 4755 f
        : > empty; chmod 2640 empty
        mkdir -p d/sub sticky; chmod 1777 sticky; chmod 0700 d/sub
        printf 'x' > d/x
        ln -s f lf; ln -s /nonexistent/x dangabs; ln -s missing dangrel; ln -s d ld; ln -s '\(dir)/t/f' abslf
        ln -s loop2 loop1; ln -s loop1 loop2
        mkfifo fifo; mknod chr c 1 3; mknod blk b 7 200
        ln f hard
        touch 'a b' "$(printf 'n\\nl')" "q'uote" 'é' "$(printf 'tab\\tx')" '$dollar' '#hash' 'x#' '-dash' 'at@x'
        chmod 0 'a b'; chmod 777 'é'
        touch -d '1969-12-31 23:59:59.5' old; touch -d '2038-01-19 03:14:08' future
        chown 4242:4343 'x#'; chown 0:0 f
        """
        let r = try sh(script)
        XCTAssertEqual(r.code, 0, r.err)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    struct Run: Equatable, CustomStringConvertible {
        var out: Data, err: Data, code: Int32
        var description: String {
            "code \(code)\nstdout: \(String(decoding: out, as: UTF8.self).debugDescription)\nstderr: \(String(decoding: err, as: UTF8.self).debugDescription)"
        }
    }

    /// Runs a command in the tree with LC_ALL=C (and `tz`) and raw stdin.
    func run(_ argv: [String], stdin: Data = Data(), tz: String = "UTC") throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.environment = ["LC_ALL": "C", "TZ": tz, "PATH": "/usr/bin:/bin"]
        p.currentDirectoryURL = URL(fileURLWithPath: t)
        let o = Pipe(), e = Pipe(), i = Pipe()
        p.standardOutput = o; p.standardError = e; p.standardInput = i
        try p.run()
        i.fileHandleForWriting.write(stdin)
        try? i.fileHandleForWriting.close()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let g = DispatchGroup()
        g.enter()
        let eh = e.fileHandleForReading
        DispatchQueue.global().async { errBox.data = eh.readDataToEndOfFile(); g.leave() }
        let out = o.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return Run(out: out, err: errBox.data, code: p.terminationStatus)
    }

    /// GNU's stderr names the program `tool:`; toolbox's does too when run as
    /// `toolbox tool`, so messages compare as they are.
    func compare(_ tool: String, _ args: [String], stdin: Data = Data(), tz: String = "UTC", settle: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let gnuPath = try which(tool)
        if settle { _ = try run([gnuPath] + args, stdin: stdin, tz: tz) }
        let tb = try run([try toolboxBinary(), tool] + args, stdin: stdin, tz: tz)
        let gnu = try run([gnuPath] + args, stdin: stdin, tz: tz)
        XCTAssertEqual(tb, gnu, "\(tool) \(args)", file: file, line: line)
    }
}

final class StatFormatDifferentialTests: StatCatReadlinkFixture {
    let names = ["f", "empty", "d", "d/sub", "sticky", "lf", "dangabs", "dangrel", "ld", "abslf", "fifo", "chr", "blk", "hard",
                 "a b", "n\nl", "q'uote", "é", "tab\tx", "$dollar", "#hash", "x#", "at@x", "old", "future", "."]

    func testEveryFileDirective() throws {
        let all = "%a|%A|%b|%B|%d|%D|%Hd|%Ld|%f|%F|%g|%G|%h|%i|%m|%n|%N|%o|%r|%R|%Hr|%Lr|%s|%t|%T|%u|%U|%w|%W|%x|%X|%y|%Y|%z|%Z"
        try compare("stat", ["-c", all] + names, settle: true)
        try compare("stat", ["-L", "-c", all] + names.filter { !$0.hasPrefix("dang") }, settle: true)
        try compare("stat", ["--format=%N %F", "lf", "dangabs", "a b", "n\nl", "q'uote"], settle: true)
        // Another time zone: %x %y %z %w print the local offset.
        try compare("stat", ["-c", "%x %y %z", "old", "future", "f"], tz: "America/New_York", settle: true)
    }

    func testFlagsWidthsAndPrecisions() throws {
        let formats = [
            "%-10s|%10s|%010s|%+s|% s|%-+8s|%.5s|%'s|%I5s|%#s",
            "%#a|%05a|%-6a|%.6a|%#.0a|%#x|%#D|%#f|%#10f|%-#10f|%010D|%#t|%#T|%#R",
            "%-6h|%+u|%5g|%.0u|%-8U|%10G|%.2U|%-5.3n|%20N|%-20N|%.2A|%10.10A|%-12F|%.4F",
            "%.3Y|%10.3Y|%-20.3Y|%020.3Y|%+.3X|%.Y|%.12Z|%.0W|%5.W|%2.3Y|%14.Y|%-14.Y|%030.15Y|% .1Z|%+12.0Y|%-.3X",
            "%Q|%H|%Lx|%Hs|%%|%Hd%Ld|%Lr.%Hr|%5.2w|%-40x|%",
        ]
        for f in formats { try compare("stat", ["-c", f, "f", "old", "chr", "x#", "dangabs"], settle: true) }
    }

    func testPrintfEscapesAndInvalidDirectives() throws {
        try compare("stat", ["--printf", "%n\\t%s\\n\\x41\\101\\e[0m\\q\\\"\\\\ \\a\\b\\f\\v\\r\\0\\x4g\\8\\777|\\n", "f", "empty"], settle: true)
        try compare("stat", ["--printf", "%n\\", "f"])
        try compare("stat", ["-c", "a\\tb\\n%n", "f"])
        try compare("stat", ["-c", "before %5%", "f", "empty"])
        try compare("stat", ["-c", "x%-5", "f"])
        try compare("stat", ["--printf=%.%", "f"])
        try compare("stat", ["-c", "%n", "--printf", "%s\\n", "f"])   // the last format wins
        try compare("stat", ["--printf", "%s\\n", "-c", "%n", "f"])
    }

    func testDefaultTerseAndErrors() throws {
        try compare("stat", names, settle: true)
        try compare("stat", ["-t"] + names, settle: true)
        try compare("stat", ["-L", "-t", "lf", "ld", "abslf", "chr"], settle: true)
        try compare("stat", ["missing", "a b/x", "f", "q'uote/x", "n\nl/x"])
        try compare("stat", ["-L", "dangabs", "loop1"])
        try compare("stat", ["-c", "%n %F %s", "-"], stdin: Data("abc".utf8))
        try compare("stat", ["-c", "%C", "f", "d"])
    }

    func testFileSystem() throws {
        // Free counts move between runs on a busy disk: compare the fields
        // that do not (and the layout, on a read-only procfs where nothing moves).
        try compare("stat", ["-f", "/proc", "/sys"])
        try compare("stat", ["-f", "-t", "/proc", "."].map { $0 == "." ? "/proc/self" : $0 })
        try compare("stat", ["-f", "-c", "%n|%i|%l|%t|%T|%s|%S|%b|%c|%-10n|%#t|%.3s|%Q|%%|%Hd", "f", "d", "/proc", "/dev", "lf"])
        try compare("stat", ["-f", "-L", "-c", "%t %T %l", "lf", "dangabs", "missing", "-"])
        try compare("stat", ["-f", "--printf", "%a %f %d %S\\n", "/proc"])
    }

    func testFormatParserIsPure() {
        XCTAssertEqual(parseStatFormat(Array("a%-5.3Y%Hd%Hx\\n".utf8), escapes: true, fileSystem: false), [
            .literal(Array("a".utf8)),
            .directive(StatDirective(prefix: Array("%-5.3".utf8), conversion: 0x59, modifier: 0)),
            .directive(StatDirective(prefix: Array("%".utf8), conversion: 0x64, modifier: 0x48)),
            .directive(StatDirective(prefix: Array("%".utf8), conversion: 0x48, modifier: 0)),
            .literal(Array("x\n".utf8)),
        ])
        XCTAssertEqual(parseStatFormat(Array("%Hd".utf8), escapes: false, fileSystem: true).count, 2)
        XCTAssertEqual(parseStatFormat(Array("ok%5%".utf8), escapes: false, fileSystem: false),
                       [.literal(Array("ok".utf8)), .invalid("'%5%': invalid directive")])
        XCTAssertEqual(printfEpoch(Array("%.3".utf8), seconds: -2, nanoseconds: 500_000_000).flatMap(\.bytes), Array("-1.500".utf8))
        XCTAssertEqual(printfEpoch(Array("%5.1".utf8), seconds: -1, nanoseconds: 500_000_000).flatMap(\.bytes), Array("   -0.5".utf8))
        XCTAssertEqual(shellEscapeAlwaysQuoted(Array("it's".utf8)), Array("\"it's\"".utf8))
        XCTAssertEqual(shellEscapeAlwaysQuoted(Array("a'$".utf8)), Array("'a'\\''$'".utf8))
        XCTAssertEqual(shellEscapeAlwaysQuoted([0x61, 0x0A, 0x27, 0x62]), Array("'a'$'\\n'\\''b'".utf8))
    }
}

final class CatOptionsDifferentialTests: StatCatReadlinkFixture {
    func testEveryOptionMatchesGNU() throws {
        var bytes = Data("one\n\n\n\ntwo\tTAB\r\n\n".utf8)
        bytes.append(contentsOf: Array(0...255) as [UInt8])
        bytes.append(contentsOf: Array("\n\n\nlast without newline".utf8))
        try bytes.write(to: URL(fileURLWithPath: t + "/bin"))
        try Data("\n\nsecond\n\n\n".utf8).write(to: URL(fileURLWithPath: t + "/blank"))
        try Data("no newline".utf8).write(to: URL(fileURLWithPath: t + "/nonl"))
        let big = Data((0..<300_000).map { i in i % 97 == 0 ? 10 : UInt8(truncatingIfNeeded: i &* 31) })
        try big.write(to: URL(fileURLWithPath: t + "/big"))
        let files = ["bin", "blank", "nonl", "blank", "empty", "nonl", "bin"]
        for opts in [["-n"], ["-b"], ["-s"], ["-E"], ["-T"], ["-v"], ["-A"], ["-e"], ["-t"], ["-u"], ["-ns"], ["-bs"], ["-nb"],
                     ["-sE"], ["-vT"], ["-nAs"], ["--number", "--squeeze-blank"], ["--show-all"], ["--number-nonblank"],
                     ["--show-ends", "--show-tabs", "--show-nonprinting"], ["-bn", "-E"]] {
            try compare("cat", opts + files)
            try compare("cat", opts + ["big"])
            try compare("cat", opts + ["blank", "-", "nonl"], stdin: Data("\n\nfrom stdin\n".utf8))
        }
        try compare("cat", ["-n", "missing", "f", "d", "a b/x"])
        let bad = try run([try toolboxBinary(), "cat", "-z", "f"])
        XCTAssertEqual(String(decoding: bad.err, as: UTF8.self), "cat: invalid option -- 'z'\nTry 'toolbox cat --help' for more information.\n")
        XCTAssertEqual(bad.code, 2)
        // More than 999999 lines: the number widens as GNU's does.
        try Data(repeating: 10, count: 1_000_002).write(to: URL(fileURLWithPath: t + "/many"))
        try compare("cat", ["-n", "many"])
    }
}

final class ReadlinkOptionsDifferentialTests: StatCatReadlinkFixture {
    func testEveryOptionMatchesGNU() throws {
        let ops = ["lf", "f", "ld", "d/x", "abslf", "dangabs", "dangrel", "loop1", "missing", "missing/x", "f/", "f/x", "d/", "ld/",
                   "d/x/../x", "missing/../f", "missing/x/..", "/../..", "d/../../t/f", "loop1/x", "dangrel/", "a b", "n\nl/x", ".", ""]
        for mode in [[], ["-f"], ["-e"], ["-m"]] {
            for extra in [[], ["-v"], ["-s"], ["-z"], ["-v", "-q"], ["-q", "--verbose"], ["--silent", "--zero"]] {
                try compare("readlink", mode + extra + ops)
            }
            for op in ops { try compare("readlink", mode + ["-v", op]) }
            try compare("readlink", mode + ["-n", "lf"])
            try compare("readlink", mode + ["-n", "lf", "ld"])
            try compare("readlink", mode + ["-nz", "lf"])
            try compare("readlink", mode + ["-nq", "lf", "missing"])
        }
        try compare("readlink", ["--canonicalize-existing", "--canonicalize-missing", "missing/x"])
        try compare("readlink", ["-m", "-f", "missing/x"])
        try compare("readlink", ["-e", "-m", "missing/x"])
        try compare("readlink", ["--no-newline", "--canonicalize", "ld"])
    }
}

/// Through /proc/PID/root of a target "container" (busybox sleep, uid 1000,
/// chrooted into a rootfs made here): %U/%G from the container's own
/// /etc/passwd and /etc/group, absolute links resolved inside it by stat -L,
/// readlink -f/-e/-m and cat, and every other field as GNU stat reports the
/// same file by its host path.
final class StatCatReadlinkContainerTests: XCTestCase {
    func testNamesAndLinksResolveInsideTheContainer() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("toolbox-scr-ct-\(getpid())").path
        let r = base + "/root"
        defer { try? fm.removeItem(atPath: base) }
        for d in ["bin", "etc", "app", "proc"] { try fm.createDirectory(atPath: "\(r)/\(d)", withIntermediateDirectories: true) }
        try fm.copyItem(atPath: try which("busybox"), toPath: "\(r)/bin/busybox")
        try "root:x:0:0::/:/bin/sh\nappuser:x:1000:1000::/:/bin/sh\nweb:x:4242:4343::/:/bin/sh\n".write(toFile: "\(r)/etc/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\nappgroup:x:1000:\nwebgrp:x:4343:\n".write(toFile: "\(r)/etc/group", atomically: false, encoding: .utf8)
        try "inside\n\n\nend\n".write(toFile: "\(r)/app/file", atomically: false, encoding: .utf8)
        try "x".write(toFile: "\(r)/app/nobody", atomically: false, encoding: .utf8)
        XCTAssertEqual(chown("\(r)/app/file", 4242, 4343), 0)
        XCTAssertEqual(chown("\(r)/app/nobody", 5555, 6666), 0)
        XCTAssertEqual(symlink("/app/file", "\(r)/app/abs"), 0)      // on the host, /app/file is not this file
        XCTAssertEqual(symlink("/nope/x", "\(r)/app/dang"), 0)
        XCTAssertEqual(symlink("../../../../../etc", "\(r)/app/up"), 0)
        let (unshare, pid) = try startContainerTarget(rootfs: r, workdir: "/app")
        defer { kill(pid, SIGKILL); unshare.waitUntilExit() }
        let P = "/proc/\(pid)/root"
        let bin = try toolboxBinary()
        let env = ["LC_ALL": "C", "TZ": "UTC"]

        let names = try runProcess(bin, ["stat", "-c", "%U:%G %u:%g %N", P + "/app/file", P + "/app/nobody", P + "/app/abs"], environment: env)
        XCTAssertEqual(names, RunResult(out: "web:webgrp 4242:4343 '\(P)/app/file'\nUNKNOWN:UNKNOWN 5555:6666 '\(P)/app/nobody'\n"
                                        + "root:root 0:0 '\(P)/app/abs' -> '/app/file'\n", err: "", code: 0))
        let fields = "%s %b %f %i %h %a %A %F %X %Y %Z %W %d %D"
        let tb = try runProcess(bin, ["stat", "-L", "-c", fields, P + "/app/abs", P + "/app/up/passwd"], environment: env)
        let gnu = try runProcess(try which("stat"), ["-c", fields, r + "/app/file", r + "/etc/passwd"], environment: env)
        XCTAssertEqual(tb, gnu)
        let dflt = try runProcess(bin, ["stat", P + "/app/file"], environment: env)
        XCTAssertTrue(dflt.out.contains("Uid: ( 4242/     web)   Gid: ( 4343/  webgrp)"), dflt.out)

        let rl = try runProcess(bin, ["readlink", "-f", P + "/app/abs", P + "/app/up/group", P + "/app/dang/.."], environment: env)
        XCTAssertEqual(rl, RunResult(out: "\(P)/app/file\n\(P)/etc/group\n", err: "", code: 1))
        let rm = try runProcess(bin, ["readlink", "-m", P + "/app/dang", P + "/app/dang/../../../x", P + "/app/abs/y"], environment: env)
        XCTAssertEqual(rm, RunResult(out: "\(P)/nope/x\n\(P)/x\n\(P)/app/file/y\n", err: "", code: 0))
        let re = try runProcess(bin, ["readlink", "-ev", P + "/app/abs", P + "/app/dang"], environment: env)
        XCTAssertEqual(re, RunResult(out: "\(P)/app/file\n", err: "readlink: \(P)/app/dang: No such file or directory\n", code: 1))
        let cat = try runProcess(bin, ["cat", "-sn", P + "/app/abs"], environment: env)
        XCTAssertEqual(cat, RunResult(out: "     1\tinside\n     2\t\n     3\tend\n", err: "", code: 0))
    }
}
