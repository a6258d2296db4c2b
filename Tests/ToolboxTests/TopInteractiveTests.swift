import Foundation
import XCTest

/// Interactive `top` in a real pseudo-terminal (Tests/Fixtures/top/pty_top.py,
/// Python's pty module): keys in, screens out, on processes the test starts;
/// the terminal's termios must be the same after top ends, however it ends.
final class TopInteractiveTests: XCTestCase {
    var children: [Process] = []
    override func tearDown() { for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }; children = [] }

    func spawn(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which(args[0]))
        p.arguments = Array(args.dropFirst())
        try p.run()
        children.append(p)
        return p
    }

    struct Run { var screens: [[String]]; var code: Int?; var signal: Int?; var restored: Bool; var timeouts: [String] }

    /// Plays `steps` (see pty_top.py) against `toolbox top ARGS`.
    func play(_ args: [String], _ steps: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let input = try JSONSerialization.data(withJSONObject: steps)
        let r = try runProcess(try which("python3"), [fixturePath("top/pty_top.py"), try toolboxBinary()] + args, stdin: input)
        XCTAssertEqual(r.code, 0, r.err, file: file, line: line)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.out, file: file, line: line)
        let run = Run(screens: j["screens"] as? [[String]] ?? [], code: j["code"] as? Int, signal: j["signal"] as? Int,
                      restored: j["restored"] as? Bool ?? false, timeouts: j["timeouts"] as? [String] ?? [])
        XCTAssertEqual(run.timeouts, [], "steps that timed out", file: file, line: line)
        XCTAssertTrue(run.restored, "termios not restored", file: file, line: line)
        if steps.contains(where: { $0["until"] as? String == "frame" }) {
            XCTAssertEqual(j["raw_during"] as? Bool, true, "top never put the terminal in its mode (ICANON/ECHO off)", file: file, line: line)
        }
        return run
    }

    /// The task rows of a screen: PID and the rest, after the header.
    func rows(_ screen: [String]) -> [[String]] {
        guard let h = screen.firstIndex(where: { $0.contains("PID USER") }) else { return [] }
        return screen[(h + 1)...].map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
    }
    func firstPid(_ screen: [String]) -> String? { rows(screen).first?.first }

    let frame: [String: Any] = ["until": "frame"]
    let shot: [String: Any] = ["screen": true]
    func keys(_ k: String) -> [String: Any] { ["send": k] }

    /// P M N T sort as procps (high to low), R reverses, q exits 0.
    func testSortKeysAndQuit() throws {
        let sleeper = try spawn(["sleep", "60"])
        let big = try spawn(["python3", "-c", "import time; x = bytearray(48 << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(60)"])
        let spinner = try spawn(["sh", "-c", "while :; do :; done"])
        usleep(800_000)
        let pids = [sleeper, big, spinner].map { String($0.processIdentifier) }
        let r = try play(["-d", "3", "-p", pids.joined(separator: ",")],
                         [frame, frame, shot, keys("M"), frame, shot, keys("N"), frame, shot, keys("R"), frame, shot,
                          keys("T"), frame, shot, keys("P"), frame, shot, keys("q")])
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(r.screens.count, 6)
        guard r.screens.count == 6 else { return }
        XCTAssertTrue(r.screens[0][0].hasPrefix("top - "), "\(r.screens[0])")
        XCTAssertTrue(r.screens[0][1].hasPrefix("Tasks:   3 total"), "\(r.screens[0])")
        XCTAssertEqual(rows(r.screens[0]).count, 3, "\(r.screens[0])")
        XCTAssertEqual(firstPid(r.screens[0]), pids[2], "default: %CPU, the spinner first\n\(r.screens[0].joined(separator: "\n"))")
        XCTAssertEqual(firstPid(r.screens[1]), pids[1], "M: the 48 MiB process first\n\(r.screens[1].joined(separator: "\n"))")
        let sorted = pids.map { Int($0)! }.sorted()
        XCTAssertEqual(rows(r.screens[2]).map { Int($0[0])! }, sorted.reversed(), "N: highest pid first")
        XCTAssertEqual(rows(r.screens[3]).map { Int($0[0])! }, sorted, "R: reversed")
        XCTAssertEqual(firstPid(r.screens[4]), pids[2], "T: the spinner's TIME+ first")
        XCTAssertEqual(firstPid(r.screens[5]), pids[2], "P: %CPU")
    }

    /// k: the pid prompt, then the signal prompt; the process gets it.
    func testKillSendsTheSignal() throws {
        let victim = try spawn(["sleep", "60"])
        let other = try spawn(["sleep", "61"])
        let pid = String(victim.processIdentifier)
        let r = try play(["-d", "5", "-p", "\(pid),\(other.processIdentifier)"],
                         [frame, keys("k"), ["until": "text", "text": "PID to signal/kill [default pid = "],
                          keys(pid + "\r"), ["until": "text", "text": "Send pid \(pid) signal [15/sigterm] "],
                          keys("9\r"), frame, keys("k"), ["until": "text", "text": "PID to signal/kill"], keys("\(other.processIdentifier)\r"),
                          ["until": "text", "text": "signal [15/sigterm]"], keys("\r"), frame, keys("q")])
        XCTAssertEqual(r.code, 0)
        victim.waitUntilExit(); other.waitUntilExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        XCTAssertEqual(victim.terminationStatus, SIGKILL)
        XCTAssertEqual(other.terminationStatus, SIGTERM, "an empty answer sends the default 15")
    }

    /// H: one row per thread of a process with 4 threads (its task ids);
    /// Tasks becomes Threads.
    func testThreadsToggle() throws {
        let p = try spawn(["python3", "-c", "import threading, time\nfor _ in range(3): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\ntime.sleep(60)"])
        let pid = String(p.processIdentifier)
        var tids: [String] = []
        for _ in 0..<100 { tids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []; if tids.count == 4 { break }; usleep(50_000) }
        XCTAssertEqual(tids.count, 4)
        let r = try play(["-d", "5", "-p", pid, "-o", "PID"], [frame, shot, keys("H"), frame, shot, keys("H"), frame, shot, keys("q")])
        guard r.screens.count == 3 else { return XCTFail("\(r.screens)") }
        XCTAssertEqual(rows(r.screens[0]).map { $0[0] }, [pid])
        XCTAssertEqual(Set(rows(r.screens[1]).map { $0[0] }), Set(tids), r.screens[1].joined(separator: "\n"))
        XCTAssertTrue(r.screens[1][1].hasPrefix("Threads:   4 total"), r.screens[1][1])
        XCTAssertEqual(rows(r.screens[2]).map { $0[0] }, [pid])
    }

    /// c: full command lines; 1: one %Cpu line per CPU; C: the CONTAINER
    /// column (`-` for a process in no container); u: the user filter.
    func testCommandCpuContainerAndUserKeys() throws {
        let mine = try spawn(["sleep", "60"])
        let nobody = try spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "61"])
        usleep(300_000)
        let list = "\(mine.processIdentifier),\(nobody.processIdentifier)"
        let r = try play(["-d", "5", "-p", list, "-o", "PID"],
                         [frame, shot, keys("c"), frame, shot, keys("1"), frame, shot, keys("C"), frame, shot,
                          keys("u"), ["until": "text", "text": "Which user (blank for all) "], keys("nobody\r"), frame, shot, keys("q")])
        guard r.screens.count == 5 else { return XCTFail("\(r.screens)") }
        XCTAssertTrue(r.screens[0].contains { $0.hasSuffix(" sleep") }, r.screens[0].joined(separator: "\n"))
        XCTAssertTrue(r.screens[1].contains { $0.hasSuffix("sleep 60") && !$0.hasSuffix(" sleep") }, r.screens[1].joined(separator: "\n"))
        let cpus = r.screens[2].filter { $0.hasPrefix("%Cpu") && !$0.hasPrefix("%Cpu(s)") }
        XCTAssertEqual(cpus.count, ProcessInfo.processInfo.activeProcessorCount, r.screens[2].joined(separator: "\n"))
        XCTAssertTrue(cpus.first?.hasPrefix("%Cpu0  :") ?? false, "\(cpus)")
        XCTAssertTrue(r.screens[3].contains { $0.hasSuffix("TIME+ CONTAINER    COMMAND") }, r.screens[3].joined(separator: "\n"))
        XCTAssertTrue(rows(r.screens[3]).allSatisfy { $0[$0.count - 3] == "-" }, r.screens[3].joined(separator: "\n"))
        XCTAssertEqual(rows(r.screens[4]).map { $0[0] + " " + $0[1] }, ["\(nobody.processIdentifier) nobody"])
    }

    /// SIGTERM while in raw mode: termios restored, then top dies of it.
    func testSignalRestoresTheTerminal() throws {
        let r = try play(["-d", "5"], [frame, ["signal": 15]])
        XCTAssertEqual(r.signal, 15)
        let ctrlC = try play(["-d", "5"], [frame, keys("\u{3}")])
        XCTAssertEqual(ctrlC.code, 0, "^C quits as q")
    }

    /// Without a terminal interactive mode refuses (exit 1), as batch is the way.
    func testNeedsATerminal() throws {
        let r = try runProcess(try toolboxBinary(), ["top", "-n", "1"], stdin: Data())
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "top: interactive mode needs a terminal: use -b (batch mode)\n")
    }
}
