import Foundation
import XCTest

/// Runs every script of Tests/Fixtures/sh under dash and under `toolbox sh`
/// (each in a fresh empty directory, stdin /dev/null, LC_ALL=C) and compares
/// stdout, stderr (dash's `dash: ` prefix read as `sh: `) and how the
/// process ended. The differences we keep on purpose are listed here and in
/// docs/sh.md; every other difference fails the test by script name.
final class ShellDifferentialTests: XCTestCase {
    /// Deliberate differences (docs/sh.md, "Differences from dash").
    static let deliberate: Set<String> = [
        // Applets run without a PATH lookup (a FROM scratch image has no /bin).
        "misc-path-lookup",
    ]

    struct Outcome: Equatable {
        var out: Data
        var err: Data
        var status: Int32
        var signaled: Bool
    }

    /// Runs `argv` with SIGPIPE set by `env` (`--default-signal=PIPE` or
    /// `--ignore-signal=PIPE`), so the result does not depend on what the test
    /// runner inherited (CI harnesses often start tests with SIGPIPE ignored).
    static func run(_ argv: [String], in dir: URL, sigpipe: String = "--default-signal=PIPE") throws -> Outcome {
        let argv = ["/usr/bin/env", sigpipe] + argv
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["HOME"] = "/root"
        p.environment = env
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        p.standardInput = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        let eh = e.fileHandleForReading
        DispatchQueue.global().async { errBox.data = eh.readDataToEndOfFile(); group.leave() }
        // a runaway script is killed after 20 s (and then differs)
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: killer)
        let out = o.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        killer.cancel()
        return Outcome(out: out, err: errBox.data, status: p.terminationStatus,
                       signaled: p.terminationReason == .uncaughtSignal)
    }

    static func normalize(_ d: Data) -> Data {
        let s = String(decoding: d, as: UTF8.self)
        return Data(s.replacingOccurrences(of: "dash: ", with: "sh: ").utf8)
    }

    func testCorpusMatchesDash() throws {
        let toolbox = try toolboxBinary()
        let dash = try which("dash")
        let dir = packageRoot.appendingPathComponent("Tests/Fixtures/sh")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sh") }.sorted()
        XCTAssertGreaterThanOrEqual(scripts.count, 300, "the corpus should hold at least 300 scripts")
        var failures: [String] = []
        var passed = 0
        for name in scripts {
            let script = dir.appendingPathComponent(name).path
            let base = String(name.dropLast(3))
            func scratch() throws -> URL {
                let u = FileManager.default.temporaryDirectory.appendingPathComponent("shdiff-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
                return u
            }
            let d1 = try scratch(), d2 = try scratch()
            defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
            var expected = try Self.run([dash, script], in: d1)
            var actual = try Self.run([toolbox, "sh", script], in: d2)
            expected.err = Self.normalize(expected.err)
            actual.err = Self.normalize(actual.err)
            if expected == actual {
                passed += 1
                if Self.deliberate.contains(base) { failures.append("\(base): listed as deliberate but now matches dash (remove it from the list)") }
                continue
            }
            if Self.deliberate.contains(base) { continue }
            func show(_ o: Outcome) -> String {
                "status \(o.signaled ? "signal " : "")\(o.status), stdout \(String(decoding: o.out.prefix(300), as: UTF8.self).debugDescription), stderr \(String(decoding: o.err.prefix(300), as: UTF8.self).debugDescription)"
            }
            failures.append("\(base):\n  dash:    \(show(expected))\n  toolbox: \(show(actual))")
        }
        print("ShellDifferentialTests: \(passed) of \(scripts.count) scripts match dash; \(Self.deliberate.count) deliberate differences")
        XCTAssert(failures.isEmpty, "\(failures.count) scripts differ from dash:\n" + failures.joined(separator: "\n"))
    }

    /// A shell started with SIGPIPE ignored keeps it ignored (POSIX 2.11), so a
    /// builtin writing into a closed pipe gets EPIPE and reports it, as dash
    /// does; with the default disposition the writer just dies. How many
    /// writes fail is a race with the reader, so the distinct stderr lines,
    /// stdout and the status are compared, under both dispositions.
    func testInheritedSigpipeDispositionMatchesDash() throws {
        let toolbox = try toolboxBinary()
        let dash = try which("dash")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shpipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = "i=0; while [ $i -lt 5000 ]; do echo y; i=$((i+1)); done | head -n 1; echo end\n"
        let path = dir.appendingPathComponent("pipe.sh")
        try script.write(to: path, atomically: true, encoding: .utf8)
        func lines(_ d: Data) -> Set<String> {
            Set(String(decoding: Self.normalize(d), as: UTF8.self).split(separator: "\n").map(String.init))
        }
        for mode in ["--ignore-signal=PIPE", "--default-signal=PIPE"] {
            let expected = try Self.run([dash, path.path], in: dir, sigpipe: mode)
            let actual = try Self.run([toolbox, "sh", path.path], in: dir, sigpipe: mode)
            XCTAssertEqual(actual.out, expected.out, mode)
            XCTAssertEqual(actual.status, expected.status, mode)
            XCTAssertEqual(lines(actual.err), lines(expected.err), mode)
            if mode.hasPrefix("--ignore") {
                XCTAssertEqual(lines(actual.err), ["\(path.path): 1: echo: echo: I/O error"], "the EPIPE is reported as dash does")
            } else {
                XCTAssertTrue(actual.err.isEmpty, "with SIGPIPE at its default the writer dies silently")
            }
        }
    }

    /// Signals ignored when a non-interactive shell starts stay ignored (POSIX
    /// 2.11): `trap` keeps the action's text, as dash does, but the signal is
    /// not caught. An asynchronous list ignores SIGINT for good (no trap in it
    /// takes the signal back). The shell reads the inherited dispositions
    /// lazily, so this also checks that nothing changes one before it is read.
    func testSignalsIgnoredOnEntryMatchDash() throws {
        let toolbox = try toolboxBinary()
        let dash = try which("dash")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shsig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let scripts = [
            "trap 'echo caught' INT TERM USR1\nkill -INT $$; kill -TERM $$; kill -USR1 $$\necho after\ntrap\n",
            "{ trap 'echo bg' INT; kill -INT $(exec dash -c 'echo $PPID'); echo bgdone; trap; } & wait\necho fg\ntrap 'echo fgtrap' INT; kill -INT $$; trap\n",
            "(trap 'echo sub' TERM; kill -TERM $(exec dash -c 'echo $PPID'); echo subdone)\ntrap - TERM; kill -USR1 $$\n",
        ]
        var compared = 0
        for (n, script) in scripts.enumerated() {
            let path = dir.appendingPathComponent("sig\(n).sh")
            try script.write(to: path, atomically: true, encoding: .utf8)
            for mode in ["--ignore-signal=INT,TERM", "--default-signal=INT,TERM"] {
                let expected = try Self.run(["/usr/bin/env", mode, dash, path.path], in: dir)
                let actual = try Self.run(["/usr/bin/env", mode, toolbox, "sh", path.path], in: dir)
                XCTAssertEqual(String(decoding: actual.out, as: UTF8.self), String(decoding: expected.out, as: UTF8.self), "script \(n), \(mode)")
                XCTAssertEqual(String(decoding: Self.normalize(actual.err), as: UTF8.self), String(decoding: Self.normalize(expected.err), as: UTF8.self), "script \(n), \(mode)")
                XCTAssertEqual(actual.status, expected.status, "script \(n), \(mode)")
                XCTAssertEqual(actual.signaled, expected.signaled, "script \(n), \(mode)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 6)
    }

    /// A script controls how long its `&&`/`||` chains are: 300,000 links
    /// once overflowed the stack (a left-nested tree, walked and released
    /// recursively; dash crashes too). The list is flat now.
    func testLongAndOrChainsRunWithoutCrashing() throws {
        let toolbox = try toolboxBinary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shchain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("chain.sh")
        let script = "true" + String(repeating: " && true", count: 300_000) + " && echo and-done\n"
            + "false" + String(repeating: " || false", count: 300_000) + " || echo or-done\n"
        try script.write(to: path, atomically: true, encoding: .utf8)
        let r = try Self.run([toolbox, "sh", path.path], in: dir)
        XCTAssertFalse(r.signaled, "toolbox sh died of a signal")
        XCTAssertEqual(String(decoding: r.out, as: UTF8.self), "and-done\nor-done\n")
        XCTAssertEqual(r.status, 0)
    }

    /// `ps -ef | cat | ls` style pipelines run applets after fork without
    /// execve: strace sees exactly one execve (the shell's own).
    func testPipelineOfAppletsDoesNotExec() throws {
        let toolbox = try toolboxBinary()
        let strace = try which("strace")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shnoexec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("trace").path
        // `ps -e -o` (no user names): other tests may plant hostile /etc files meanwhile
        let r = try runProcess("/usr/bin/timeout", ["60", strace, "-f", "-e", "trace=execve", "-o", log, toolbox, "sh", "-c",
                                        "ps -e -o pid,args | cat | cat > \(dir.path)/ps.txt; echo $(cat \(dir.path)/ps.txt | cat | readlink -f /proc/self/exe)"])
        XCTAssertEqual(r.code, 0, r.err)
        let trace = try String(contentsOfFile: log, encoding: .utf8)
        let execs = trace.split(separator: "\n").filter { $0.contains("execve(") && !$0.contains("resumed") }
        XCTAssertEqual(execs.count, 1, "only the shell itself is exec'd:\n\(trace)")
        let ps = try String(contentsOfFile: "\(dir.path)/ps.txt", encoding: .utf8)
        XCTAssertTrue(ps.contains("PID"), ps)
        XCTAssertTrue(ps.contains("sh -c ps -e -o pid,args"), "the forked applets show the shell's command line: \(ps)")
    }

    /// With PATH pointing nowhere, applets still run (a FROM scratch image).
    func testAppletsNeedNoPath() throws {
        let toolbox = try toolboxBinary()
        let r = try runProcess(toolbox, ["sh", "-c", "PATH=/nonexistent; ls / | cat | cat >/dev/null && echo ok; nosuch; echo $?"])
        XCTAssertEqual(r.out, "ok\n127\n")
        XCTAssertEqual(r.err, "sh: 1: nosuch: not found\n")
    }
}
