import Foundation
import XCTest

/// head, wc, sort, uniq, cut, tr, tee, xargs against GNU coreutils/findutils
/// (LC_ALL=C), one class per applet, on files the tests write.
final class HeadTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        for c: [String] in [["log"], ["-n", "3", "log"], ["-n", "-3", "log"], ["-c", "10", "log"], ["-c", "-10", "log"],
                            ["-n", "2", "nonl"], ["-n", "-1", "nonl"], ["log", "nonl"], ["-q", "log", "nonl"], ["-v", "nonl"],
                            ["-n", "1", "empty"], ["-n", "1", "nonexistent", "nonl"], ["-n", "x", "log"], ["-3", "log"],
                            ["-c", "1K", "long"], ["-n", "1", "long"], ["-z", "-n", "1", "nul"], ["-n", "0", "log"]] {
            assertSameAsGNU("head", c, in: f)
        }
        assertSameAsGNU("head", ["-n", "2"], stdin: Array("a\nb\nc\n".utf8), in: f)
        assertSameAsGNU("head", ["-n", "-2", "-", "nonl"], stdin: Array("a\nb\nc".utf8), in: f)
    }
}

final class WcTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        for c: [String] in [["log"], ["-l", "log"], ["-w", "log"], ["-c", "log"], ["-m", "log"], ["-L", "log"],
                            ["log", "nonl", "crlf", "nul", "empty"], ["-l", "nonl", "nonexistent"], ["-lwcmL", "long"],
                            ["-L", "crlf"], ["-w", "nul"], ["empty"], ["-l", "empty", "log"]] {
            assertSameAsGNU("wc", c, in: f)
        }
        assertSameAsGNU("wc", [], stdin: Array("a b\tc\n\u{1}\nd".utf8), in: f)
        assertSameAsGNU("wc", ["-l"], stdin: Array("a\nb\n".utf8), in: f)
        assertSameAsGNU("wc", ["-", "log"], stdin: Array("a\nb\n".utf8), in: f)
    }
}

final class SortTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        let options: [[String]] = [[], ["-r"], ["-n"], ["-nr"], ["-h"], ["-V"], ["-f"], ["-b"], ["-d"], ["-i"], ["-g"],
                                   ["-u"], ["-fu"], ["-nu"], ["-s"], ["-k1.2"], ["-z"], ["-n", "-s"], ["-h", "-r"]]
        for o in options {
            for file in ["nums", "log", "dups", "crlf", "nonl", "empty"] { assertSameAsGNU("sort", o + [file], in: f) }
        }
        for c: [String] in [["-t:", "-k3,3n", "fields"], ["-t:", "-k3n", "-k1,1r", "fields"], ["-t:", "-k7", "fields"],
                            ["-t:", "-k5,5", "-s", "fields"], ["-t:", "-k5,5", "fields"], ["-t:", "-k5,5", "-u", "fields"],
                            ["-k2", "log"], ["-k2,2", "-k1,1r", "log"], ["-k3b", "log"], ["-k2.3,2.5", "log"],
                            ["-t", "x", "-k2", "fields"], ["log", "nonl", "crlf"], ["-c", "nums"], ["-C", "nums"],
                            ["-c", "empty"], ["-cu", "dups"], ["nonexistent"], ["-k0", "log"], ["-k", "x", "log"],
                            ["-t", "ab", "log"], ["-n", "-h", "log"]] {
            assertSameAsGNU("sort", c, in: f)
        }
        assertSameAsGNU("sort", ["-k2,2n", "-t", " "], stdin: Array("b 2\na 10\nc 1\nd 2\n".utf8), in: f)
        assertSameAsGNU("sort", ["-c"], stdin: Array("b\na\n".utf8), in: f)
    }

    func testOutputFile() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        _ = try runBytes("/usr/bin/sort", ["-o", "gnu.out", "nums"], stdin: nil, cwd: f.dir)
        let r = try runBytes(toolbox, ["sort", "-o", "nums", "nums"], stdin: nil, cwd: f.dir)
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: f.dir + "/nums"), FileManager.default.contents(atPath: f.dir + "/gnu.out"),
                       "sort -o onto its own input")
    }

    func testLargeInputWithKeysMatchesGNU() throws {
        let f = try TextFixture()
        var text = ""
        var x: UInt64 = 42
        for i in 0..<20000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            text += "\(x >> 50) k\(x % 97) \(i % 13).\(x % 7)\n"
        }
        FileManager.default.createFile(atPath: f.dir + "/big", contents: Data(text.utf8))
        for c: [String] in [["big"], ["-n", "big"], ["-k2,2", "-k1,1n", "big"], ["-s", "-k3,3n", "big"], ["-u", "-k2,2", "big"], ["-V", "-k3", "big"]] {
            assertSameAsGNU("sort", c, in: f)
        }
    }

    /// Whole-line byte order goes through a radix pass on each line's first
    /// 8 bytes, then the comparator inside runs of equal prefixes: lines that
    /// share long prefixes, are shorter than 8 bytes, empty, hold NUL or bytes
    /// over 0x7F must still come out as GNU orders them.
    func testPlainByteOrderOnAwkwardLinesMatchesGNU() throws {
        let f = try TextFixture()
        var bytes: [UInt8] = []
        var x: UInt64 = 7
        func next() -> UInt64 { x = x &* 6364136223846793005 &+ 1442695040888963407; return x >> 33 }
        let stems: [[UInt8]] = [Array("prefix12".utf8), Array("prefix1".utf8), [], [0xFF, 0xFE], [0, 0, 0], Array("a".utf8)]
        for _ in 0..<30000 {
            bytes += stems[Int(next() % UInt64(stems.count))]
            for _ in 0..<Int(next() % 12) {
                let c = UInt8(truncatingIfNeeded: next())
                bytes.append(c == 10 ? 11 : (next() % 3 == 0 ? c : 0x61 + c % 3))
            }
            bytes.append(10)
        }
        FileManager.default.createFile(atPath: f.dir + "/awkward", contents: Data(bytes))
        for c: [String] in [["awkward"], ["-r", "awkward"], ["-u", "awkward"], ["-s", "awkward"]] {
            assertSameAsGNU("sort", c, in: f)
        }
    }
}

final class UniqTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        for o: [String] in [[], ["-c"], ["-d"], ["-u"], ["-i"], ["-ci"], ["-f", "1"], ["-s", "1"], ["-w", "1"],
                            ["-c", "-f1", "-s1"], ["-z"], ["-dc"]] {
            assertSameAsGNU("uniq", o + ["dups"], in: f)
            assertSameAsGNU("uniq", o + ["crlf"], in: f)
        }
        assertSameAsGNU("uniq", ["nonexistent"], in: f)
        assertSameAsGNU("uniq", ["-c"], stdin: Array("x\nx\ny".utf8), in: f)
        assertSameAsGNU("uniq", ["empty"], in: f)
    }
}

final class CutTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        for c: [String] in [["-d:", "-f1"], ["-d:", "-f1,7"], ["-d:", "-f3-"], ["-d:", "-f-2"], ["-d:", "-f1,3", "-s"],
                            ["-d:", "-f6", "--output-delimiter=|"], ["-b1-4"], ["-c2,5-"], ["-b1,3-4", "--output-delimiter=,"],
                            ["-d:", "--complement", "-f2"], ["-f1"], ["-d", " ", "-f2"], ["-z", "-d:", "-f1"]] {
            assertSameAsGNU("cut", c + ["fields"], in: f)
            assertSameAsGNU("cut", c + ["nonl"], in: f)
        }
        for c: [String] in [["fields"], ["-f0", "fields"], ["-b3-1", "fields"], ["-d", "ab", "-f1", "fields"], ["-f1", "nonexistent"]] {
            let toolbox = try toolboxBinary()
            let want = try runBytes(try which("cut"), c, stdin: nil, cwd: f.dir)
            let got = try runBytes(toolbox, ["cut"] + c, stdin: nil, cwd: f.dir)
            XCTAssertEqual(got.code, want.code, "cut \(c)")
            XCTAssertEqual(got.err.components(separatedBy: "\n").first, want.err.replacingOccurrences(of: "/usr/bin/cut:", with: "cut:").components(separatedBy: "\n").first, "cut \(c)")
        }
    }
}

final class TrTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        let input = Array((try Data(contentsOf: URL(fileURLWithPath: f.dir + "/log"))) + Data([0, 1, 0xff, 0x0d, 0x0a, 0x41, 0x41, 0x20, 0x20, 0x20]))
        for c: [String] in [["a-z", "A-Z"], ["-d", "a-c"], ["-s", "a"], ["-cd", "a-z\\n"], ["-ds", "a-z", "x"],
                            ["[:lower:]", "[:upper:]"], ["[:upper:]", "[:lower:]"], ["a-z", "x"], ["-t", "abc", "xy"],
                            ["abc", "[x*]"], ["abc", "[x*2]y"], ["-d", "\\n"], ["-c", "[:alnum:]", "_"], ["[:digit:]", "X"],
                            ["-s", "[:space:]", " "], ["\\101", "x"], ["-d", "\\000\\377"], ["-s", "A "], ["[=a=]", "b"],
                            ["\\r", "\\n"], ["-C", "a-z", "-"], [], ["a"], ["-d", "a", "b"], ["z-a", "x"], ["[:foo:]", "x"]] {
            assertSameAsGNU("tr", c, stdin: input, in: f)
        }
    }
}

final class TeeTests: XCTestCase {
    func testCopiesToFilesAndStdout() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        let data = Data("line one\nline two".utf8)
        FileManager.default.createFile(atPath: f.dir + "/appended", contents: Data("old\n".utf8))
        FileManager.default.createFile(atPath: f.dir + "/gnu-appended", contents: Data("old\n".utf8))
        let gnu = try runBytes(try which("tee"), ["-a", "gnu-appended", "gnu-new"], stdin: data, cwd: f.dir)
        let ours = try runBytes(toolbox, ["tee", "-a", "appended", "new"], stdin: data, cwd: f.dir)
        XCTAssertEqual(ours.out, gnu.out)
        XCTAssertEqual(ours.code, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: f.dir + "/appended"), FileManager.default.contents(atPath: f.dir + "/gnu-appended"))
        XCTAssertEqual(FileManager.default.contents(atPath: f.dir + "/new"), FileManager.default.contents(atPath: f.dir + "/gnu-new"))
        assertSameAsGNU("tee", ["/nonexistent/dir/file"], stdin: Array("x\n".utf8), in: f)
    }
}

final class XargsTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        let cases: [(String, [String])] = [
            ("a b\nc \"d e\" f\\ g\n", []), ("a b c d e\n", ["-n", "2"]), ("a b\nc\n\nd e \nf\n", ["-L", "1", "echo", "X"]),
            ("  a b\nc\n", ["-I", "{}", "echo", "[{}]", "{}"]), ("a b  c\td\n", ["-I", "{}", "echo", "[{}]"]), ("a\u{0}b c\u{0}", ["-0", "echo"]), ("", ["echo", "empty"]),
            ("", ["-r", "echo", "empty"]), ("a b\n", ["-t", "echo"]), ("a\n", ["nonexistent-command"]),
            ("a\n", ["sh", "-c", "exit 3"]), ("a\n", ["sh", "-c", "exit 255"]), ("a\n", ["sh", "-c", "kill -9 $$"]),
            ("a 'b\n", ["echo"]), ("1 2 3 4\n", ["-n1", "-P2", "true"]), ("x\ny\n", ["-n1", "wc", "-c"]),
            ("a\n", ["/etc/passwd"]), ("a b c\n", ["-s", "8", "echo"]),
        ]
        for (input, args) in cases { assertSameAsGNU("xargs", args, stdin: Array(input.utf8), in: f) }
    }

    /// A command that is not on PATH but is a toolbox applet runs as that applet.
    func testRunsToolboxAppletsNotOnPath() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        let r = try runBytes(toolbox, ["xargs", "wc", "-l"], stdin: Data("log nonl\n".utf8), cwd: f.dir, env: ["PATH": "/nonexistent"])
        let gnu = try runBytes(try which("wc"), ["-l", "log", "nonl"], stdin: nil, cwd: f.dir)
        XCTAssertEqual(r.out, gnu.out)
        XCTAssertEqual(r.code, 0)
    }
}
