import Foundation
import XCTest

/// `toolbox sh` on a real pseudo-terminal, driven by Python's pty module
/// (Tests/Fixtures/sh-pty/session.py): prompt, editing keys, UTF-8, history
/// and Ctrl-R, Tab completion inside /proc/PID/root of a chrooted process,
/// /proc/<TAB> with command names, Ctrl-C on a long runner, Ctrl-Z/jobs/fg,
/// Ctrl-D, the history file. Each failed check is reported by name.
final class ShellInteractiveTests: XCTestCase {
    func testSessionOnAPseudoTerminal() throws {
        let toolbox = try toolboxBinary()
        let python = try which("python3")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("shpty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let driver = packageRoot.appendingPathComponent("Tests/Fixtures/sh-pty/session.py").path
        let r = try runProcess("/usr/bin/timeout", ["180", python, driver, toolbox, scratch.path])
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, "DONE", "the driver did not finish:\n\(r.out)\n\(r.err)")
        let failures = lines.filter { $0.hasPrefix("FAIL") }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }
}
