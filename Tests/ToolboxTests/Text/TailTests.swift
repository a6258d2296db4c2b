import Foundation
import XCTest

/// toolbox tail against GNU tail; -f/-F in real time on a file the test writes.
final class TailTests: XCTestCase {
    func testAgainstGNU() throws {
        let f = try TextFixture()
        for c: [String] in [["log"], ["-n", "3", "log"], ["-n", "+3", "log"], ["-c", "10", "log"], ["-c", "+10", "log"],
                            ["-n", "2", "nonl"], ["-n", "+2", "nonl"], ["log", "nonl"], ["-q", "log", "nonl"], ["-v", "nonl"],
                            ["-n", "1", "empty"], ["nonexistent"], ["-n", "x", "log"], ["-3", "log"], ["-n", "0", "log"],
                            ["-c", "5", "long"], ["-n", "1", "long"], ["-z", "-n", "1", "nul"], ["-n", "2", "crlf"]] {
            assertSameAsGNU("tail", c, in: f)
        }
        let piped = Array("1\n2\n3\n4\n5".utf8)
        for c: [String] in [["-n", "2"], ["-n", "+4"], ["-c", "3"], ["-c", "+2"], []] { assertSameAsGNU("tail", c, stdin: piped, in: f) }
    }

    private func start(_ exe: String, _ args: [String], cwd: String, out: String, err: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.environment = ["LC_ALL": "C", "PATH": "/usr/bin:/bin"]
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        return p
    }

    private func append(_ path: String, _ s: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile(); h.write(Data(s.utf8)); h.closeFile()
    }

    /// -f: an appended line appears within 200 ms (inotify), while idle the
    /// process sleeps in poll (kernel wait channel) and uses no CPU time.
    func testFollowUsesInotifyAndNoCPU() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        let log = f.dir + "/follow.log"
        FileManager.default.createFile(atPath: log, contents: Data("first\n".utf8))
        let p = try start(toolbox, ["tail", "-f", "follow.log"], cwd: f.dir, out: f.dir + "/t.out", err: f.dir + "/t.err")
        defer { p.terminate(); p.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.3)
        let wchan = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/wchan", encoding: .utf8)) ?? ""
        XCTAssertTrue(wchan.contains("poll"), "tail -f should sleep in poll, wchan is '\(wchan)'")
        func cpuTicks() -> Int {
            let stat = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)) ?? ""
            let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
            return Int(fields[11])! + Int(fields[12])!
        }
        let before = cpuTicks()
        Thread.sleep(forTimeInterval: 1.0)
        XCTAssertLessThanOrEqual(cpuTicks() - before, 1, "idle tail -f used CPU time")
        let t0 = Date()
        append(log, "appended line\n")
        var seen = false
        while Date().timeIntervalSince(t0) < 2 {
            if let s = try? String(contentsOfFile: f.dir + "/t.out", encoding: .utf8), s.contains("appended line") { seen = true; break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let latency = Date().timeIntervalSince(t0)
        XCTAssertTrue(seen, "appended line never shown")
        XCTAssertLessThan(latency, 0.2, "appended line took \(latency) s")
        XCTAssertEqual(try String(contentsOfFile: f.dir + "/t.out", encoding: .utf8), "first\nappended line\n")
    }

    /// -F through truncation, rotation (rename + new file), removal and
    /// re-creation: same output and messages as GNU tail -F.
    func testFollowNameAgainstGNU() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        func scenario(_ exe: String, _ prefix: [String], tag: String) throws -> (String, String) {
            let log = f.dir + "/\(tag).log"
            FileManager.default.createFile(atPath: log, contents: Data("l1\nl2\n".utf8))
            let p = try start(exe, prefix + ["-F", "\(tag).log"], cwd: f.dir, out: f.dir + "/\(tag).out", err: f.dir + "/\(tag).err")
            let pause = { Thread.sleep(forTimeInterval: 0.4) }
            pause(); append(log, "l3\n")
            pause(); let h = FileHandle(forWritingAtPath: log)!; h.truncateFile(atOffset: 0); h.closeFile()
            pause(); append(log, "new1\n")
            // Rotation; the pause between rename and re-creation keeps the
            // order of events the same for both (no race on a loaded machine).
            pause(); try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
            pause(); FileManager.default.createFile(atPath: log, contents: Data("r1\n".utf8))
            pause(); try FileManager.default.removeItem(atPath: log)
            pause(); FileManager.default.createFile(atPath: log, contents: Data("back\n".utf8))
            pause(); p.terminate(); p.waitUntilExit()
            return (try String(contentsOfFile: f.dir + "/\(tag).out", encoding: .utf8),
                    try String(contentsOfFile: f.dir + "/\(tag).err", encoding: .utf8).replacingOccurrences(of: "\(tag).log", with: "X")
                        .replacingOccurrences(of: exe + ":", with: "tail:"))
        }
        let gnu = try scenario(try which("tail"), [], tag: "gnu")
        let ours = try scenario(toolbox, ["tail"], tag: "ours")
        XCTAssertEqual(ours.0, gnu.0)
        XCTAssertEqual(ours.1, gnu.1)
        XCTAssertEqual(gnu.0, "l1\nl2\nl3\nnew1\nr1\nback\n")
        XCTAssertTrue(gnu.1.contains("tail: X: file truncated\n"), gnu.1)
    }

    /// --pid: tail -f ends when the watched process exits.
    func testPidEndsFollow() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["0.5"]
        try sleeper.run()
        let t0 = Date()
        let r = try runBytes(toolbox, ["tail", "-f", "-s", "0.1", "--pid=\(sleeper.processIdentifier)", "log"], stdin: nil, cwd: f.dir)
        sleeper.waitUntilExit()
        XCTAssertEqual(r.code, 0)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 3)
        XCTAssertEqual(String(decoding: r.out, as: UTF8.self).split(separator: "\n").last, "last line")
    }
}
