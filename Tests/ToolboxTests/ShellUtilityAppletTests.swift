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
}
