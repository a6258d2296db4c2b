import Foundation
import XCTest

/// The CI version of scripts/churn: 1,000 runs of ps -ef, ps aux --forest,
/// netstat -tanp, ls -d /proc/*/root, ps -eLf, netstat -xap and caps (the
/// release binary), half of them without CAP_SYS_PTRACE, while processes
/// fork, exit, change uid, exec, start threads and open sockets. Every run
/// must exit 0 with no stderr line but the documented notes.
final class ChurnTests: XCTestCase {
    func testThousandAppletRunsUnderChurn() throws {
        let bin = try toolboxBinary()
        _ = try which("setpriv"); _ = try which("python3")
        let script = packageRoot.appendingPathComponent("scripts/churn").path
        let r = try runProcess(script, ["--runs", "1000", "--bin", bin], currentDirectory: packageRoot.path)
        let log = (try? String(contentsOfFile: packageRoot.appendingPathComponent(".build/churn/failures.log").path, encoding: .utf8)) ?? ""
        XCTAssertEqual(r.code, 0, "\(r.out)\(r.err)\(log.prefix(4000))")
        XCTAssertTrue(r.out.hasPrefix("churn: 1000 applet runs in "), r.out)
        XCTAssertTrue(r.out.contains(", 0 failed, 0 unexpected stderr lines, "), r.out)
        XCTAssertEqual(log, "")
    }
}
