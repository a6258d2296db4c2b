import Foundation
import XCTest

/// The echo, printf, test, [, true and false applets (GNU dialect) against
/// GNU coreutils on the same arguments: stdout, stderr after the program
/// name, exit status (LC_ALL=C).
final class ShellUtilityAppletTests: XCTestCase {
    static let cases: [(String, [String])] = [
        ("echo", ["a", "b"]), ("echo", ["-n", "x"]), ("echo", ["-e", "a\\tb\\n\\x41\\0101\\101"]), ("echo", ["-E", "a\\tb"]),
        ("echo", ["-ne", "x\\cy"]), ("echo", ["-x", "y"]), ("echo", ["--", "a"]), ("echo", []), ("echo", ["a", "--help"]),
        ("printf", ["%s=%d\\n", "a", "1", "b", "2"]), ("printf", ["[%5s][%-5s][%.2s][%05d][%x][%X][%o]\\n", "ab", "cd", "efg", "42", "255", "255", "8"]),
        ("printf", ["%d\\n", "abc"]), ("printf", ["%d\\n", "12x"]), ("printf", ["%b|%s\\n", "a\\tb", "a\\tb"]),
        ("printf", ["%q\\n", "a b"]), ("printf", ["%c%c\\n", "hello", "world"]), ("printf", ["%.3f %e\\n", "3.14159", "1234.5"]),
        ("printf", ["\\x41\\101\\n"]), ("printf", ["%z"]), ("printf", ["a\\cb"]), ("printf", ["%d %d\\n", "'A", "\"a"]),
        ("printf", ["%*d|%-*d|\\n", "4", "1", "3", "2"]), ("printf", ["%u %x\\n", "-1", "-1"]),
        ("test", ["a", "=", "a"]), ("test", ["a", "!=", "a"]), ("test", ["-n", ""]), ("test", ["-z", ""]), ("test", []),
        ("test", ["1", "-eq", "a"]), ("test", ["1", "-lt", "2", "-a", "b"]), ("test", ["!", "x"]), ("test", ["(", "x", ")"]),
        ("test", ["-d", "/"]), ("test", ["-f", "/"]), ("test", ["-e", "/nonexistent"]), ("test", ["x", "-o", ""]),
        ("[", ["a", "=", "a", "]"]), ("[", ["a", "=", "a"]), ("[", ["]"]),
        ("true", []), ("true", ["x"]), ("false", []), ("false", ["x"]),
    ]

    func testAgainstCoreutils() throws {
        let toolbox = try toolboxBinary()
        var failures: [String] = []
        for (name, args) in Self.cases {
            let gnu = try runProcess("/usr/bin/\(name)", args, environment: ["LC_ALL": "C"])
            let ours = try runProcess(toolbox, [name] + args, environment: ["LC_ALL": "C"])
            // GNU names itself by its path: /usr/bin/printf: ...
            let gnuErr = gnu.err.replacingOccurrences(of: "/usr/bin/\(name): ", with: "\(name): ")
            if gnu.out != ours.out || gnuErr != ours.err || gnu.code != ours.code {
                failures.append("\(name) \(args): GNU (\(gnu.code)) \(gnu.out.debugDescription) \(gnuErr.debugDescription) | toolbox (\(ours.code)) \(ours.out.debugDescription) \(ours.err.debugDescription)")
            }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }

    /// Fields wider than printf's 4 KiB formatting limit have their padding
    /// streamed: the same bytes as dash's printf (flags, zeros after the sign
    /// and 0x, none for inf/nan or an integer precision, `*` widths with a
    /// sign) in toolbox sh.
    func testWideFieldsAgainstDash() throws {
        let toolbox = try toolboxBinary()
        let formats = ["%05000d|", "%-5000d|", "%+05000d|", "% 05000d|", "%05000.3d|", "%#05000x|", "%#05000o|", "%05000X|",
                       "%-05000x|", "%05000f|", "%-5000e|", "%05000a|", "%+05000.2f|", "%5000s|", "%-5000s|", "%5000c|",
                       "%5000b|", "%05000u|", "%5000.2s|", "%05000g|", "%4097d|", "%4096d|"]
        var failures: [String] = []
        for format in formats {
            for arg in ["42", "-42", "0", "inf", "-nan", "255", "3.5", "abc"] {
                let d = try runProcess("/usr/bin/dash", ["-c", "printf \"$@\"", "sh", format, arg], environment: ["LC_ALL": "C"])
                let t = try runProcess(toolbox, ["sh", "-c", "printf \"$@\"", "sh", format, arg], environment: ["LC_ALL": "C"])
                if d.out != t.out || d.code != t.code { failures.append("\(format) \(arg): dash \(d.out.utf8.count) bytes (\(d.code)), toolbox \(t.out.utf8.count) (\(t.code))") }
            }
        }
        for args in [["%*d|", "-5001", "7"], ["%0*d|", "6000", "-7"], ["%-*s|", "5000", "x"], ["%*s|", "-5000", "x"]] {
            let d = try runProcess("/usr/bin/dash", ["-c", "printf \"$@\"", "sh"] + args, environment: ["LC_ALL": "C"])
            let t = try runProcess(toolbox, ["sh", "-c", "printf \"$@\"", "sh"] + args, environment: ["LC_ALL": "C"])
            if d.out != t.out || d.code != t.code { failures.append("\(args): dash \(d.out.utf8.count) bytes, toolbox \(t.out.utf8.count)") }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }

    /// A 200 MB field costs no 200 MB buffer (it held 1.3 GB for a 180 MB
    /// one under the fuzzer): every byte arrives, in a few MB of memory.
    func testWideFieldMemoryIsBounded() throws {
        let toolbox = try toolboxBinary()
        for (args, bytes) in [(["%-200000000s|", "x"], 200_000_001), (["%0200000000d|", "-7"], 200_000_001), (["%200000000c", "y"], 200_000_000)] {
            let quoted = args.map { "'\($0)'" }.joined(separator: " ")
            let r = try runProcess("/bin/sh", ["-c", "/usr/bin/time -f %M -o /dev/stderr \(toolbox) printf \(quoted) | wc -c"])
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines), String(bytes), "\(args)")
            let kb = Int(r.err.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            XCTAssert(kb > 0 && kb < 32 * 1024, "\(args): peak RSS \(kb) kB")
        }
    }

    /// A precision past INT_MAX in the format writes nothing, as printf(3)
    /// fails there; its digits once overflowed an Int and trapped the shell
    /// (the shellbuiltins fuzz target's crash-146e0538...).
    func testPrecisionPastIntMax() throws {
        let toolbox = try toolboxBinary()
        let r = try runProcess(toolbox, ["sh", "-c", "printf '%.99999999999999999999d|%.99999999999999999999s|%.3000000000s|%.2s|%5000.3000000000d|%-5000.*e|\\n' 1 x y abc 2 3000000000 1"])
        // the last two are wide fields whose conversion failed: no padding either
        XCTAssertEqual(r, RunResult(out: "|||ab|||\n", err: "", code: 0))
    }
}
