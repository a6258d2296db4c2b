import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

/// ls, stat, find, readlink and cat on ordinary directories, compared with
/// GNU coreutils/findutils run on the same tree (C locale). toolbox runs
/// in-process through the dispatcher.
final class FilesystemDifferentialTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-fsdiff-\(getpid())-\(UUID().uuidString.prefix(6))").path
        let d = dir
        // A tree with what ls -l formats differently: setuid/setgid/sticky, fifo,
        // device, hard links, old and future dates, sizes for -h, hidden files,
        // names that sort differently in C and other locales, spaces, UTF-8.
        let script = """
        set -e
        mkdir -p \(d)/t/sub/deeper/deepest \(d)/t/.hid \(d)/t/Upper \(d)/t/empty
        cd \(d)/t
        printf hello > f; chmod 4755 f
        printf x > g; chmod 2644 g
        mkdir sticky; chmod 1777 sticky; mkdir sticky2; chmod 1776 sticky2
        mkfifo pipe; mknod null c 1 3
        ln -s f lf; ln -s /nonexistent dangling; ln -s sub lsub
        ln f hard
        dd if=/dev/zero of=big bs=1024 count=1536 status=none
        dd if=/dev/zero of=k10 bs=1 count=10241 status=none
        truncate -s 5G sparse
        touch -d '2019-12-31 23:59:59' old; touch -d '+2 days' future
        touch 'with space' 'B' 'a' '_x' 'é' .dot sub/deeper/deepest/leaf.txt sub/deeper/x.TXT sub/y.txt
        printf '#!/bin/sh\\n' > exec.sh; chmod 755 exec.sh
        chown 1000:1000 g; chown 65534:65534 old; chown 4242:4343 a
        """
        let r = try sh(script)
        XCTAssertEqual(r.code, 0, r.err)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func gnu(_ tool: String, _ args: [String]) throws -> RunResult {
        try runProcess(try which(tool), args, environment: ["LC_ALL": "C", "PATH": "/usr/bin:/bin"], currentDirectory: dir + "/t")
    }

    func toolbox(_ args: [String]) -> RunResult {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(dir + "/t")
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        return runToolbox(args)
    }

    func testLsMatchesGNU() throws {
        let combos: [[String]] = [
            [], ["-a"], ["-A"], ["-l"], ["-la"], ["-lA"], ["-lh"], ["-ln"], ["-li"], ["-lt"], ["-lS"], ["-lr"],
            ["-ltr"], ["-lSr"], ["-lF"], ["-F"], ["-1"], ["-i"], ["-R"], ["-lR"], ["-laR"], ["-d", ".", "sub", "f"],
            ["-ld", "sub", "lsub"], ["-l", "f", "lf", "sub", "null", "lsub"], ["lsub"], ["-l", "lsub"], ["-lhS", "big", "k10", "sparse", "f"],
            ["-lai", "sub"], ["-lt", "old", "future", "f"],
        ]
        for args in combos {
            let t = toolbox(["ls"] + args), g = try gnu("ls", args)
            XCTAssertEqual(t.out, g.out, "ls \(args.joined(separator: " "))")
            XCTAssertEqual(t.code, 0, "ls \(args)")
        }
    }

    /// Columns (-C, GNU's format on a terminal): same layout, tabs and all, for
    /// several widths. (ASCII names: in the C locale GNU gives other bytes width 0;
    /// toolbox counts one column per UTF-8 character, as a UTF-8 terminal shows them.)
    func testColumnsMatchGNU() throws {
        defer { unsetenv("COLUMNS") }
        for width in ["20", "80", "132"] {
            setenv("COLUMNS", width, 1)
            for args in [["-C", "/usr/bin"], ["-Ci", "/usr/bin"], ["-CF", "/dev"], ["-CaR", "sub"], ["-C", "/usr/share/zoneinfo/America"]] {
                let t = toolbox(["ls"] + args)
                let g = try runProcess(try which("ls"), args, environment: ["LC_ALL": "C", "COLUMNS": width], currentDirectory: dir + "/t")
                XCTAssertEqual(t.out, g.out, "COLUMNS=\(width) ls \(args.joined(separator: " "))")
            }
        }
    }

    func testStatMatchesGNU() throws {
        let names = ["f", "g", "sticky", "pipe", "null", "lf", "dangling", "hard", "big", "sparse", "old", "future", "with space", "é", ".", "sub", "empty"]
        // readlink(2) of a symlink updates its atime under relatime (for any
        // reader, after its statx): settle it with one GNU run first.
        _ = try gnu("stat", names)
        let g = try gnu("stat", names), t = toolbox(["stat"] + names)
        XCTAssertEqual(t.out, g.out)
        let tl = toolbox(["stat", "-L", "lf", "lsub"]), gl = try gnu("stat", ["-L", "lf", "lsub"])
        XCTAssertEqual(tl.out, gl.out)
    }

    func testFindMatchesGNU() throws {
        let exprs: [[String]] = [
            [], ["."], ["sub"], ["sub/"], [".", "sub"], ["-name", "*.txt"], ["-iname", "*.TXT"], ["-type", "d"], ["-type", "l,p,c"],
            ["-maxdepth", "1"], ["-mindepth", "2"], ["-mindepth", "1", "-maxdepth", "2", "-type", "f"], ["-size", "+1k"], ["-size", "-1"],
            ["-size", "1536k"], ["-size", "10241c"], ["-size", "+1G"], ["-mtime", "+100"], ["-mtime", "-1"], ["-mtime", "0"],
            ["-newer", "old"], ["!", "-newer", "f"], ["-name", "f", "-o", "-type", "d"], ["(", "-type", "f", "-o", "-type", "l", ")", "-name", "[a-f]*"],
            ["-not", "-name", "*.txt", "-a", "-type", "f"], ["-print0"], ["-type", "f", "-print", "-name", "f*", "-print0"], [".", "-xdev"],
        ]
        for e in exprs {
            let t = toolbox(["find"] + e), g = try gnu("find", e)
            // Order is readdir order in both; compare exactly (same directory, same kernel).
            XCTAssertEqual(t.out, g.out, "find \(e.joined(separator: " "))")
            XCTAssertEqual(t.code, g.code, "find \(e)")
        }
    }

    func testReadlinkAndCatMatchGNU() throws {
        for args in [["lf"], ["-f", "lf"], ["-f", "lsub/deeper/../y.txt"], ["-f", "dangling"], ["-f", "sub/../sub/./deeper"], ["-n", "lf"]] {
            let t = toolbox(["readlink"] + args), g = try gnu("readlink", args)
            XCTAssertEqual(t.out, g.out, "readlink \(args)")
            XCTAssertEqual(t.code, g.code, "readlink \(args)")
        }
        // Not a link: nothing printed, exit 1 (GNU).
        XCTAssertEqual(toolbox(["readlink", "f"]), RunResult(out: "", err: "", code: 1))
        let t = toolbox(["cat", "f", "exec.sh", "big"]), g = try gnu("cat", ["f", "exec.sh", "big"])
        XCTAssertEqual(t.out, g.out)
        XCTAssertEqual(toolbox(["cat", "missing", "f"]), RunResult(out: "hello", err: "cat: missing: No such file or directory\n", code: 1))
        XCTAssertEqual(toolbox(["cat", "sub"]), RunResult(out: "", err: "cat: sub: Is a directory\n", code: 1))
    }

    /// On a terminal (script(1) provides one) names with control characters
    /// are quoted with their bytes as escapes, as GNU ls's default
    /// shell-escape style does (`'a'$'\033''[31mred'`), and find prints them
    /// as `?`, so a hostile file name in the target container cannot send
    /// escape sequences to the debugger's terminal; to a pipe they are
    /// written as they are.
    func testControlCharactersAreNeutralisedOnATerminal() throws {
        let d = dir + "/esc"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        for name in ["a\u{1b}[31mred", "tab\there", "c1\u{9b}x"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: d + "/" + name, contents: nil))
        }
        XCTAssertEqual(symlink("to\u{1b}x", d + "/lnk"), 0)
        let bin = try toolboxBinary()
        let env = ["TZ": "UTC", "LC_ALL": "C", "COLUMNS": "80"]
        for args in ["ls -l", "ls"] {
            let ls = try runProcess(try which("script"), ["-qc", "\(bin) \(args) \(d)", "/dev/null"], environment: env)
            XCTAssertFalse(ls.out.contains("\u{1b}") || ls.out.contains("\u{9b}") || ls.out.contains("\t"), ls.out)
            let gnu = try runProcess(try which("script"), ["-qc", "\(try which("ls")) \(args.dropFirst(2)) \(d)", "/dev/null"], environment: env)
            XCTAssertEqual(ls.out, gnu.out, args)
        }
        let cols = try runProcess(try which("script"), ["-qc", "\(bin) ls \(d)", "/dev/null"], environment: env)
        XCTAssertEqual(cols.out, "'a'$'\\033''[31mred'  'c1'$'\\302\\233''x'   lnk  'tab'$'\\t''here'\r\n")
        let find = try runProcess(try which("script"), ["-qc", "\(bin) find \(d) -name 'a*'", "/dev/null"])
        XCTAssertEqual(find.out, "\(d)/a?[31mred\r\n")
        // To a pipe: the bytes as they are (GNU ls and find do the same).
        XCTAssertEqual(toolbox(["ls", d]).out, "a\u{1b}[31mred\nc1\u{9b}x\nlnk\ntab\there\n")
    }

    func testUsageErrors() {
        XCTAssertEqual(toolbox(["find", ".", "-bogus"]).code, 2)
        XCTAssertEqual(toolbox(["find", ".", "-type", "x"]).err, "find: unknown argument to -type: x\n")
        XCTAssertEqual(toolbox(["ls", "-y"]).code, 2)
        XCTAssertEqual(toolbox(["stat"]).code, 2)
        XCTAssertEqual(toolbox(["ls", "nope", "f"]), RunResult(out: "f\n", err: "ls: cannot access 'nope': No such file or directory\n", code: 1))
    }
}
