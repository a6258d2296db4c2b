import Foundation
import XCTest

/// The pager in a real pseudo-terminal: tmux runs `toolbox less` in an
/// 80x24 pane, keys go in with send-keys, the screen comes out with capture-pane.
final class LessTests: XCTestCase {
    private var socket = "toolbox-less-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    override func tearDown() {
        _ = try? tmux(["kill-server"])
    }

    /// Runs a tmux client. Its output goes through a file: the tmux server
    /// a first command starts would otherwise hold a pipe open forever.
    private func tmux(_ args: [String]) throws -> String {
        let tmuxPath = try which("tmux")
        let outFile = NSTemporaryDirectory() + "tmux-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        let quoted = ([tmuxPath, "-L", socket, "-f", "/dev/null"] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // system(3) waits for the shell only, never for the tmux server it may start.
        _ = system("exec " + quoted.joined(separator: " ") + " </dev/null >" + outFile + " 2>&1")
        return (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
    }

    private func start(_ command: String, cwd: String) throws {
        _ = try tmux(["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "-c", cwd, "env LC_ALL=C TERM=xterm " + command])
        Thread.sleep(forTimeInterval: 0.5)
    }

    private func screen() throws -> [String] {
        let s = try tmux(["capture-pane", "-p", "-t", "t"])
        var rows = s.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    /// Sends keys, then waits until the screen changes (or 2 s pass).
    private func keys(_ k: [String], literal: Bool = false) throws -> [String] {
        let before = try screen()
        _ = try tmux(["send-keys", "-t", "t"] + (literal ? ["-l"] : []) + k)
        let t0 = Date()
        var now = before
        repeat {
            Thread.sleep(forTimeInterval: 0.05)
            now = try screen()
        } while now == before && Date().timeIntervalSince(t0) < 2
        Thread.sleep(forTimeInterval: 0.1)
        return try screen()
    }

    private func makeFile(_ f: TextFixture, lines: Int) -> String {
        let text = (1...lines).map { "line \($0)" }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: f.dir + "/hundred", contents: Data(text.utf8))
        return "hundred"
    }

    func testPagesScrollsAndSearchesAFile() throws {
        let f = try TextFixture()
        let file = makeFile(f, lines: 100)
        try start("\(try toolboxBinary()) less -N \(file)", cwd: f.dir)
        var s = try screen()
        XCTAssertEqual(s.count, 24)
        XCTAssertEqual(s[0], "      1 line 1")
        XCTAssertEqual(s[22], "     23 line 23")
        XCTAssertEqual(s[23].trimmingCharacters(in: .whitespaces), "hundred", "first prompt names the file")
        s = try keys(["Space"])
        XCTAssertEqual(s[0], "     24 line 24", "space pages down one screen (23 lines)")
        s = try keys(["j"])
        XCTAssertEqual(s[0], "     25 line 25", "j scrolls one line")
        s = try keys(["k"])
        XCTAssertEqual(s[0], "     24 line 24")
        s = try keys(["G"])
        XCTAssertEqual(s[22], "    100 line 100")
        XCTAssertEqual(s[23].trimmingCharacters(in: .whitespaces), "(END)")
        s = try keys(["g"])
        XCTAssertEqual(s[0], "      1 line 1")
        s = try keys(["/line 5.$", "Enter"], literal: false)
        XCTAssertEqual(s[0], "     50 line 50", "/ searches forward from the top line")
        s = try keys(["n"])
        XCTAssertEqual(s[0], "     51 line 51")
        s = try keys(["N"])
        XCTAssertEqual(s[0], "     50 line 50")
        s = try keys(["?line 1$", "Enter"])
        XCTAssertEqual(s[0], "      1 line 1", "? searches backward")
        s = try keys(["/nomatch", "Enter"])
        XCTAssertTrue(s[23].contains("Pattern not found"), s[23])
        s = try keys(["3", "0", "g"])
        XCTAssertEqual(s[0], "     30 line 30", "NUMg goes to line NUM")
        _ = try keys(["q"])
        let alive = try tmux(["has-session", "-t", "t"])
        XCTAssertTrue(alive.contains("can't find session") || alive.contains("no server running"), "q ends the pager (and the pane): \(alive)")
    }

    /// Standard input is a pipe; keys still come from the terminal.
    func testReadsAPipeWhileKeysComeFromTheTerminal() throws {
        let f = try TextFixture()
        _ = makeFile(f, lines: 100)
        try start("sh -c 'cat hundred | \(try toolboxBinary()) less'", cwd: f.dir)
        var s = try screen()
        XCTAssertEqual(s[0], "line 1")
        XCTAssertEqual(s[23].trimmingCharacters(in: .whitespaces), ":")
        s = try keys(["G"])
        XCTAssertEqual(s[22], "line 100")
        s = try keys(["b"])
        XCTAssertEqual(s[0], "line 55")
    }

    func testChopsLongLinesAndShowsControlCharacters() throws {
        let f = try TextFixture()
        let long = String(repeating: "x", count: 100) + "END\n" + "bell\u{7}esc\u{1B}[31mred\n"
        FileManager.default.createFile(atPath: f.dir + "/long.txt", contents: Data(long.utf8))
        try start("\(try toolboxBinary()) less -S long.txt", cwd: f.dir)
        var s = try screen()
        XCTAssertEqual(s[0], String(repeating: "x", count: 80), "-S chops at the terminal width")
        XCTAssertEqual(s[1], "bell^Gesc^[[31mred", "control characters are shown, not sent to the terminal")
        _ = try keys(["q"])
        try start("\(try toolboxBinary()) less long.txt", cwd: f.dir)
        s = try screen()
        XCTAssertEqual(s[0], String(repeating: "x", count: 80))
        XCTAssertEqual(s[1], String(repeating: "x", count: 20) + "END", "without -S long lines wrap")
    }

    /// +F follows the end of a growing file.
    func testFollowShowsAppendedLines() throws {
        let f = try TextFixture()
        let file = makeFile(f, lines: 30)
        try start("\(try toolboxBinary()) less +F \(file)", cwd: f.dir)
        var s = try screen()
        XCTAssertEqual(s[22], "line 30")
        let h = FileHandle(forWritingAtPath: f.dir + "/" + file)!
        h.seekToEndOfFile(); h.write(Data("appended 31\n".utf8)); h.closeFile()
        let t0 = Date()
        repeat { Thread.sleep(forTimeInterval: 0.05); s = try screen() } while s[22] != "appended 31" && Date().timeIntervalSince(t0) < 3
        XCTAssertEqual(s[22], "appended 31")
    }

    /// Not a terminal: less and more copy their input unchanged.
    func testPassesThroughWhenOutputIsNotATerminal() throws {
        let f = try TextFixture()
        let toolbox = try toolboxBinary()
        for name in ["less", "more"] {
            let r = try runBytes(toolbox, [name, "nul", "nonl"], stdin: nil, cwd: f.dir)
            let want = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/nul")) + Data(contentsOf: URL(fileURLWithPath: f.dir + "/nonl"))
            XCTAssertEqual(r.out, want)
            XCTAssertEqual(r.code, 0)
            let piped = try runBytes(toolbox, [name], stdin: Data("from a pipe\n".utf8), cwd: f.dir)
            XCTAssertEqual(piped.out, Data("from a pipe\n".utf8))
        }
    }
}
