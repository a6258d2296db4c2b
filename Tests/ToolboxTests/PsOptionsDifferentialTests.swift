import Foundation
import XCTest

/// ps's procps options (issue 15) against procps ps on processes this test
/// starts: PID operands, -l -j -F -y, -C -g -s -t -N, the terminal width
/// (under a pty of a fixed size) and terminal names (two ptys and ttyS0; a virtual console such as tty5
/// cannot become a controlling terminal on this VM, which has no VT).
/// stdout, stderr and exit status, LC_ALL=C.
final class PsOptionsDifferentialTests: XCTestCase {
    nonisolated(unsafe) static var procs: [Process] = []
    nonisolated(unsafe) static var tmp = ""
    /// setsid sleep with a long command line: its own session and group.
    nonisolated(unsafe) static var leader: Int32 = 0
    /// A renamed sleep (comm "tbxps<pid>") and one whose name is cut to 15.
    nonisolated(unsafe) static var named: Int32 = 0
    nonisolated(unsafe) static var longNamed: Int32 = 0
    nonisolated(unsafe) static var shortName = ""
    nonisolated(unsafe) static var longName = ""
    /// Sleeps whose controlling terminals are two ptys and ttyS0.
    nonisolated(unsafe) static var ttyPids: [String: Int32] = [:]
    nonisolated(unsafe) static var ptsName = ""
    nonisolated(unsafe) static var setupError: String?

    static let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]

    override class func setUp() {
        do { try start() } catch { setupError = "\(error)" }
    }

    @discardableResult
    static func spawn(_ exe: String, _ args: [String], stdout: FileHandle? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = stdout ?? FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        procs.append(p)
        return p
    }

    static func start() throws {
        tmp = NSTemporaryDirectory() + "psopt-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        shortName = "tbxps\(getpid() % 100000)"
        longName = "tbxpslongername\(getpid() % 100000)"
        for n in [shortName, longName] { try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: "\(tmp)/\(n)") }
        named = try spawn("\(tmp)/\(shortName)", ["1000"]).processIdentifier
        longNamed = try spawn("\(tmp)/\(longName)", ["1000"]).processIdentifier
        // One python process holds a pty master and starts a sleep per
        // terminal, each in its own session with that terminal as its
        // controlling one; it prints `name pid` lines, then waits.
        let script = """
        import fcntl, os, pty, sys, termios, time
        sys.stderr = open(sys.argv[0] + ".err", "w", buffering=1)
        master, slave = pty.openpty()
        # The session leader: fork, then setsid in the child (a process
        # started by Foundation leads its own process group, so setsid(1)
        # would fork and exit, leaving the sleep orphaned and the pid a zombie).
        pid = os.fork()
        if pid == 0:
            os.setsid()
            os.execv("/bin/sleep", ["/bin/sleep", "1000"] + ["0"] * 60)
        print("leader", pid, flush=True)
        master2, slave2 = pty.openpty()
        names = [os.ttyname(slave), os.ttyname(slave2), "/dev/ttyS0"]
        for n in names:
            pid = os.fork()
            if pid == 0:
                os.setsid()
                fd = os.open(n, os.O_RDWR | os.O_NONBLOCK)
                fcntl.ioctl(fd, termios.TIOCSCTTY, 1)
                os.execv("/bin/sleep", ["sleep", "1000"])
            print(n[5:], pid, flush=True)
        print("done", flush=True)
        time.sleep(1000)
        """
        try script.write(toFile: tmp + "/ttyholder.py", atomically: false, encoding: .utf8)
        let pipe = Pipe()
        try spawn(try which("python3"), [tmp + "/ttyholder.py"], stdout: pipe.fileHandleForWriting)
        // Our copy of the write end goes, so python's exit is an EOF; every
        // read waits at most until the deadline (a blocking read here once
        // hung the suite for the sleeps' 1000 s).
        try pipe.fileHandleForWriting.close()
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buf = [UInt8](repeating: 0, count: 4096)
        while !text.contains("done\n"), Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) <= 0 { continue }
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            text += String(decoding: buf[0..<n], as: UTF8.self)
        }
        if !text.contains("done\n") { setupError = "the terminal holder (python3 ttyholder.py) printed only \(text.debugDescription), stderr: \((try? String(contentsOfFile: tmp + "/ttyholder.py.err", encoding: .utf8)) ?? "")" }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, f[0] == "leader", let p = Int32(f[1]) { leader = p; continue }
            if f.count == 2, let p = Int32(f[1]) { ttyPids[String(f[0])] = p; if f[0].hasPrefix("pts/") && ptsName.isEmpty { ptsName = String(f[0]) } }
        }
        // Wait until every exec has happened.
        let all = [leader, named, longNamed] + Array(ttyPids.values)
        for _ in 0..<100 {
            if all.allSatisfy({ ((try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "").contains("1000") }) { break }
            usleep(20_000)
        }
        usleep(100_000)
    }

    override class func tearDown() {
        for p in procs where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in Array(ttyPids.values) + [leader] where p > 0 { kill(p, SIGKILL) }
        // Bounded: Foundation's waitUntilExit never returned here once a
        // child's exit was missed (three hung suites); give each up to 5 s.
        let deadline = Date().addingTimeInterval(5)
        for p in procs { while p.isRunning && Date() < deadline { usleep(10_000) } }
        try? FileManager.default.removeItem(atPath: tmp)
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("setup: \(e)"); throw CocoaError(.featureUnsupported) }
        XCTAssertEqual(Self.ttyPids.count, 3, "terminal holders: \(Self.ttyPids)")
    }

    var ours: [Int32] { [Self.leader, Self.named, Self.longNamed] + Self.ttyPids.values.sorted() }

    /// Runs procps and toolbox ps with `args`; asserts identical stdout, stderr (procps's
    /// message without its usage text, toolbox's `ps: message: 'arg'`) and exit status.
    func same(_ args: [String], env extra: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let env = Self.env.merging(extra) { $1 }
        let want = try runProcess("/usr/bin/ps", args, environment: env)
        let got = try runProcess(try toolboxBinary(), ["ps"] + args, environment: env)
        let what = "ps \(args.joined(separator: " "))"
        XCTAssertEqual(got.out, want.out, "\(what): stdout", file: file, line: line)
        XCTAssertEqual(got.code == 0, want.code == 0, "\(what): exit \(got.code) vs \(want.code)", file: file, line: line)
        if want.code != 0 && !want.err.isEmpty {
            // procps: "error: MESSAGE\n\nUsage:..." exit 1; toolbox: "ps: MESSAGE: 'ARG'" exit 2 (usage).
            let msg = want.err.split(separator: "\n").first.map { $0.replacingOccurrences(of: "error: ", with: "") } ?? ""
            XCTAssertTrue(got.err.hasPrefix("ps: \(msg)"), "\(what): stderr \(got.err) vs \(want.err)", file: file, line: line)
            XCTAssertEqual(got.code, 2, what, file: file, line: line)
        } else {
            XCTAssertEqual(got.err, want.err, "\(what): stderr", file: file, line: line)
            XCTAssertEqual(got.code, want.code, "\(what): exit", file: file, line: line)
        }
    }

    func testBarePIDOperandsSelectWithBSDDefaults() throws {
        let l = String(Self.leader), n = String(Self.named), m = String(Self.longNamed)
        try same([l])
        try same([l, n, m])
        try same(["-o", "pid,args", l])
        try same(["-o", "pid,comm", l, n])
        try same(["-f", n])
        try same(["-l", n])
        try same(["-j", l])
        // From the first operand on, every argument is one (procps): an option after it is an error.
        try same(["+\(l)", "-o", "pid,sid,args"])
        try same(["-o", "pid,sid,args", "+\(l)"])
        try same(["-o", "pid,pgid,args", "-\(l)"])
        try same(["-o", "pid,args", "\(l),\(n)", m])
        try same(["2147483647"])
        try same(["0"])
        try same(["12x"])
    }

    func testLongJobsAndExtraFormats() throws {
        let list = ours.map(String.init).joined(separator: ",")
        for f in [["-l"], ["-lf"], ["-ly"], ["-lyf"], ["-j"], ["-jf"], ["-jl"], ["-F"], ["-Fl"], ["-Fly"], ["-Fj"],
                  ["-lL"], ["-fL"], ["-FL"], ["-o", "pid,f,s,opri,sz,psr,addr_1,flags"]] {
            try same(f + ["-p", list])
        }
        try same(["-y", "-p", list])
    }

    func testSelectionsByCommandSessionGroupTerminalAndNegation() throws {
        try same(["-C", Self.shortName])
        try same(["-C", Self.longName, "-o", "pid,comm,args"])
        try same(["-C", "\(Self.shortName),\(Self.longName)", "-f"])
        try same(["-C", "no-such-command-here"])
        try same(["-s", String(Self.leader), "-o", "pid,sid,args"])
        try same(["-g", String(Self.leader), "-o", "pid,sid,args"])
        try same(["-t", Self.ptsName, "-o", "pid,tty,args"])
        try same(["-t", "\(Self.ttyPids.keys.filter { $0.hasPrefix("pts/") }.sorted().joined(separator: ",")),ttyS0", "-o", "pid,tty,args"])
        try same(["-t", "S0", "-o", "pid,tty,args"])
        try same(["-t", "/dev/\(Self.ptsName)"])
        try same(["-t", "nosuchtty"])
        try same(["-t", "null"])
        try same(["-s", String(Self.leader), "-C", Self.shortName, "-o", "pid,args"])
        // -N: every process but ours. Other processes on the machine come
        // and go between the two runs: compare the header and our lines.
        let mine = Set(ours.map(String.init))
        for args in [["-N", "-p", String(Self.leader), "-o", "pid,args"], ["--deselect", "-C", Self.shortName, "-o", "pid,args"]] {
            let want = try runProcess("/usr/bin/ps", args, environment: Self.env)
            let got = try runProcess(try toolboxBinary(), ["ps"] + args, environment: Self.env)
            func ourLines(_ s: String) -> [String] {
                s.split(separator: "\n").filter { l in l.contains(" PID ") || mine.contains(String(l.split(separator: " ").first ?? "")) }.map(String.init)
            }
            XCTAssertEqual(ourLines(got.out), ourLines(want.out), args.joined(separator: " "))
            XCTAssertEqual(ourLines(got.out).count, mine.count, got.out)   // header + all but the one deselected
            XCTAssertEqual(got.code, want.code)
        }
        // -g by group name: the group of a process started with it.
        let p = try Self.spawn("/usr/bin/setpriv", ["--regid", "nogroup", "--clear-groups", "/bin/sleep", "1000"])
        usleep(200_000)
        let want = try runProcess("/usr/bin/ps", ["-g", "nogroup", "-o", "pid,egid,egroup,args"], environment: Self.env)
        XCTAssertTrue(want.out.contains("\(p.processIdentifier) "), want.out)
        try same(["-g", "nogroup", "-o", "pid,egid,egroup,args"])
    }

    func testTerminalNames() throws {
        let list = Self.ttyPids.values.map(String.init).joined(separator: ",")
        try same(["-p", list, "-o", "pid,tty,tname,tt,stat,args"])
        for (name, pid) in Self.ttyPids {
            let r = try runProcess(try toolboxBinary(), ["ps", "-o", "tty=", "-p", String(pid)], environment: Self.env)
            XCTAssertEqual(r.out.trimmingCharacters(in: .whitespaces), name + "\n")
        }
    }

    /// The width of a pty the test sets with TIOCSWINSZ; COLUMNS; -w, -ww;
    /// never cut on a pipe without COLUMNS.
    func testOutputIsCutToTheTerminalWidth() throws {
        let runner = Self.tmp + "/ptyrun.py"   // not pty.py: it would shadow the pty module it imports
        try """
        import fcntl, os, pty, struct, sys, termios
        cols = int(sys.argv[1]); argv = sys.argv[2:]
        pid, fd = pty.fork()
        if pid == 0:
            # The size is set by the child before exec: set by the parent it
            # raced with ps reading it (procps then used 80 columns).
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
            os.execv(argv[0], argv)
        out = b""
        while True:
            try: d = os.read(fd, 65536)
            except OSError: break
            if not d: break
            out += d
        _, st = os.waitpid(pid, 0)
        sys.stdout.buffer.write(out.replace(b"\\r\\n", b"\\n"))
        sys.exit(os.waitstatus_to_exitcode(st))
        """.write(toFile: runner, atomically: false, encoding: .utf8)
        let py = try which("python3")
        let l = String(Self.leader)
        for cols in ["40", "60", "100", "200"] {
            for args in [["-f", "-p", l], ["-o", "pid,args", "-p", l], ["-fw", "-p", l], ["-fww", "-p", l],
                         ["-o", "pid,comm,args", "-p", l], [l], ["-l", l]] {
                let want = try runProcess(py, [runner, cols, "/usr/bin/ps"] + args, environment: Self.env)
                let got = try runProcess(py, [runner, cols, try toolboxBinary(), "ps"] + args, environment: Self.env)
                XCTAssertTrue(want.out.contains("\(l) "), "procps under the pty: \(want.out.debugDescription) \(want.err)")
                XCTAssertEqual(got.out, want.out, "\(cols) columns: ps \(args.joined(separator: " "))")
                XCTAssertEqual(got.code, want.code)
            }
        }
        let cut = try runProcess(py, [runner, "40", try toolboxBinary(), "ps", "-o", "pid,args", "-p", l], environment: Self.env)
        XCTAssertEqual(cut.out.split(separator: "\n").last.map { $0.count }, 40, "stdout \(cut.out.debugDescription), stderr \(cut.err.debugDescription), exit \(cut.code)")
        // COLUMNS wins over the terminal, and applies on a pipe too (procps).
        try same(["-o", "pid,args", "-p", l], env: ["COLUMNS": "50"])
        try same(["-f", "-p", l], env: ["COLUMNS": "30"])
        let piped = try runProcess(try toolboxBinary(), ["ps", "-o", "args=", "-p", l], environment: Self.env)
        XCTAssertEqual(piped.out, "/bin/sleep 1000" + String(repeating: " 0", count: 60) + "\n")
        let env60 = Self.env.merging(["COLUMNS": "60"]) { $1 }
        let want = try runProcess(py, [runner, "100", "/usr/bin/ps", "-f", "-p", l], environment: env60)
        let got = try runProcess(py, [runner, "100", try toolboxBinary(), "ps", "-f", "-p", l], environment: env60)
        XCTAssertEqual(got.out, want.out)
    }
}
