import Foundation
import XCTest
import ToolboxCore

/// The code that runs on more than one thread, run in-process so that
/// `scripts/test` can run this class again in a ThreadSanitizer build
/// (`swift test --sanitize=thread --scratch-path .build/tsan`, issue 10):
/// the process-table scan of ps/top (TOOLBOX_PS_THREADS=4), netstat -p's
/// fd scan beside the socket dump, nc's parallel port scan, and tar's
/// compression and decompression threads.
///
/// Under TSan, `TSAN_OPTIONS=halt_on_error=1` makes any race end the test
/// process with ThreadSanitizer's report. Two environment variables make
/// that step unable to pass vacuously (scripts/test sets them):
/// - `TOOLBOX_TSAN=1`: the test asserts that the ThreadSanitizer runtime is
///   linked in (`__tsan_init` resolves), so an uninstrumented build fails;
/// - `TOOLBOX_TSAN_CANARY=1`: the test first makes a deliberate data race
///   on two BackgroundThreads; scripts/test expects that run to fail with
///   "ThreadSanitizer: data race" (or "Swift access race").
final class ThreadedScanTests: XCTestCase {
    final class Counter: @unchecked Sendable { var n = 0 }

    func testThreadedScansAreRaceFree() throws {
        let env = ProcessInfo.processInfo.environment
        if env["TOOLBOX_TSAN"] == "1" {
            XCTAssertNotNil(dlsym(nil, "__tsan_init"),
                            "TOOLBOX_TSAN=1 but this test binary has no ThreadSanitizer runtime")
        }
        if env["TOOLBOX_TSAN_CANARY"] == "1" {
            let c = Counter()
            let a = BackgroundThread { for _ in 0..<10_000 { c.n += 1 } }
            let b = BackgroundThread { for _ in 0..<10_000 { c.n += 1 } }
            a.join(); b.join()
            XCTAssertGreaterThan(c.n, 0)
        }

        // ps: four scanner threads over every process.
        setenv("TOOLBOX_PS_THREADS", "4", 1)
        defer { unsetenv("TOOLBOX_PS_THREADS") }
        let ps = runToolbox(["ps", "-eo", "pid,comm"])
        XCTAssertEqual(ps.code, 0, ps.err)
        // PIDs are right-aligned: compare the first field of each row.
        XCTAssertTrue(ps.out.split(separator: "\n").contains { $0.split(separator: " ").first == Substring("\(getpid())") },
                      "ps -e does not list the test process")
        let threads = runToolbox(["ps", "-eLf"])
        XCTAssertEqual(threads.code, 0, threads.err)

        // netstat -p: the owner scan runs beside the socket dump; a listener
        // of our own must be listed with our pid.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 16), 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let net = runToolbox(["netstat", "-tlnp"])
        XCTAssertEqual(net.code, 0, net.err)
        let row = net.out.split(separator: "\n").first { $0.contains("127.0.0.1:\(port) ") }
        XCTAssertNotNil(row, net.out)
        XCTAssertTrue(row?.contains("\(getpid())/") ?? false, String(row ?? ""))

        // nc -z over a range: 301 ports, so two workers scan it (ncWorkerCount:
        // 256 and more on two cores); our port is found open, once (other
        // listeners of the machine may be in the range too).
        let lo = max(1024, port - 150), hi = min(65535, port + 150)
        let nc = runToolbox(["nc", "-zv", "-w", "2", "127.0.0.1", "\(lo)-\(hi)"])
        let lines = (nc.out + nc.err).split(separator: "\n")
        XCTAssertEqual(lines.count, hi - lo + 1, nc.out + nc.err)
        XCTAssertEqual(lines.filter { $0.contains(" \(port) ") && $0.contains("succeeded") }.count, 1, nc.out + nc.err)

        // tar czf / xzf: the compression thread and the inflate feeder.
        let dir = NSTemporaryDirectory() + "toolbox-tsan-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/src/d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var seed: UInt64 = 42
        for i in 0..<20 {
            var bytes = [UInt8](repeating: 0, count: 40_000 + i * 997)
            for j in bytes.indices where j % 3 != 0 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                bytes[j] = UInt8(truncatingIfNeeded: seed >> 59)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/src/d/f\(i)"))
        }
        let c = runToolbox(["tar", "czf", dir + "/a.tgz", "-C", dir, "src"])
        XCTAssertEqual(c.code, 0, c.err)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let x = runToolbox(["tar", "xzf", dir + "/a.tgz", "-C", dir + "/out"])
        XCTAssertEqual(x.code, 0, x.err)
        for i in 0..<20 {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(dir)/out/src/d/f\(i)"),
                           FileManager.default.contents(atPath: "\(dir)/src/d/f\(i)"), "f\(i)")
        }
    }
}
