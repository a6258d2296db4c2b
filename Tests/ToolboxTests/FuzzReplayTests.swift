import Foundation
import ToolboxCore
import XCTest

/// Replays, in-process and through the same entry functions as the libFuzzer
/// binary (Tests/ToolboxTests/FuzzTargets), every seed and every reproducer
/// ever saved under Tests/Fixtures/fuzz/TARGET/. Each input must return (no
/// trap), give the same result twice, and a reproducer (crash-*, timeout-*,
/// oom-*, slow-unit-*) must give the result recorded in
/// Tests/Fixtures/fuzz-expected/TARGET/NAME.txt (TOOLBOX_FUZZ_RECORD=1 writes
/// missing ones; review them before committing).
final class FuzzReplayTests: XCTestCase {
    func testRegistryIsSortedAndEveryTargetHasSeeds() throws {
        let names = fuzzTargets.map(\.name)
        XCTAssertEqual(names, names.sorted())
        XCTAssertEqual(Set(names).count, names.count)
        for t in fuzzTargets {
            XCTAssertFalse(inputs(of: t).isEmpty, "\(t.name): no seeds")
            for s in t.seeds { XCTAssertTrue(FileManager.default.fileExists(atPath: fixturePath(s)), "\(t.name): seed \(s) missing") }
        }
        // Every folder of saved inputs belongs to a target.
        let dirs = try FileManager.default.contentsOfDirectory(atPath: fixturePath("fuzz"))
        XCTAssertEqual(Set(dirs).subtracting(names), [])
    }

    func testReplaySeedsAndReproducers() throws {
        let record = ProcessInfo.processInfo.environment["TOOLBOX_FUZZ_RECORD"] == "1"
        var replayed = 0
        for t in fuzzTargets {
            for file in inputs(of: t) {
                let bytes = try fixtureBytes(file)
                let first = bytes.withUnsafeBufferPointer { t.run($0) }
                let second = bytes.withUnsafeBufferPointer { t.run($0) }
                XCTAssertEqual(first, second, "\(file): result differs between two runs")
                replayed += 1
                let base = (file as NSString).lastPathComponent
                guard !base.hasPrefix("seed-"), file.hasPrefix("fuzz/") else { continue }
                let expected = "fuzz-expected/\(t.name)/\(base).txt"
                if let want = try? String(contentsOfFile: fixturePath(expected), encoding: .utf8) {
                    XCTAssertEqual(first, want, "\(file): result changed")
                } else if record {
                    try FileManager.default.createDirectory(atPath: fixturePath("fuzz-expected/\(t.name)"), withIntermediateDirectories: true)
                    try first.write(toFile: fixturePath(expected), atomically: true, encoding: .utf8)
                } else {
                    XCTFail("\(file): no recorded result \(expected) (run with TOOLBOX_FUZZ_RECORD=1 and review it)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, fuzzTargets.count)
    }

    /// Seed files (under Tests/Fixtures) and saved inputs of a target, as
    /// paths relative to Tests/Fixtures.
    private func inputs(of t: FuzzTarget) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for s in t.seeds + ["fuzz/\(t.name)"] {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: fixturePath(s), isDirectory: &isDir) else { continue }
            if !isDir.boolValue { out.append(s); continue }
            let files = (fm.enumerator(atPath: fixturePath(s))?.allObjects as? [String] ?? []).sorted()
            for f in files {
                var d: ObjCBool = false
                if fm.fileExists(atPath: fixturePath("\(s)/\(f)"), isDirectory: &d), !d.boolValue { out.append("\(s)/\(f)") }
            }
        }
        return out
    }
}

/// The CI smoke of the fuzzers: scripts/fuzz builds the libFuzzer binary and
/// runs every target for TOOLBOX_FUZZ_SECONDS (default 7: 37 targets stay within the 5-minute step) seconds; any crash
/// or hang fails the test (and leaves its reproducer in Tests/Fixtures/fuzz/).
final class FuzzSmokeTests: XCTestCase {
    func testEveryTargetRunsWithoutCrashOrHang() throws {
        let seconds = ProcessInfo.processInfo.environment["TOOLBOX_FUZZ_SECONDS"] ?? "7"
        let script = packageRoot.appendingPathComponent("scripts/fuzz").path
        let r = try runProcess(script, ["--seconds", seconds], currentDirectory: packageRoot.path)
        XCTAssertEqual(r.code, 0, "scripts/fuzz failed:\n\(r.out)\n\(r.err.suffix(4000))")
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, fuzzTargets.count, r.out)
        for (line, t) in zip(lines, fuzzTargets) {
            XCTAssertTrue(line.hasPrefix("\(t.name): "), String(line))
            XCTAssertTrue(line.contains(", 0 crashes, 0 hangs,"), String(line))
            // The target really ran: a positive execution count.
            let execs = line.dropFirst(t.name.count + 2).prefix { $0.isNumber }
            XCTAssertGreaterThan(Int(execs) ?? 0, 0, String(line))
        }
    }
}
