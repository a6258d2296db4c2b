import Foundation
import XCTest

/// lsof against Debian's lsof 4.9x, and top -b against procps top, on
/// processes the test starts (LC_ALL=C; stdout, stderr, exit status).
final class LsofTopTests: XCTestCase {
    var children: [Process] = []
    override func tearDown() { for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }; children = [] }

    let env = ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]

    /// Starts Tests/Fixtures/lsof/fds.py in a fresh directory: files (read,
    /// write, read-write, deleted), a pipe, /dev/zero, TCP listening and
    /// connected, UDP bound and connected, TCP6, unix listening, connected,
    /// unbound datagram and a socketpair, netlink, an unbound TCP socket, a
    /// directory. Returns (pid, tcp port, udp port, directory).
    func startHolder() throws -> (String, String, String, String) {
        let dir = NSTemporaryDirectory() + "lsof-\(getpid())-\(children.count)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [packageRoot.appendingPathComponent("Tests/Fixtures/lsof/fds.py").path, dir]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        children.append(p)
        var line = Data()
        while !line.contains(0x0A) {
            let d = pipe.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        let f = String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        XCTAssertEqual(f.count, 3, "fds.py did not start")
        return (f[0], f[1], f[2], dir)
    }

    func both(_ tool: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let want = try runProcess(try which(tool), args, environment: env)
        let got = try runProcess(try toolboxBinary(), [tool] + args, environment: env)
        XCTAssertEqual(got.out, want.out, "\(tool) \(args.joined(separator: " ")): stdout", file: file, line: line)
        XCTAssertEqual(got.err, want.err, "\(tool) \(args.joined(separator: " ")): stderr", file: file, line: line)
        XCTAssertEqual(got.code, want.code, "\(tool) \(args.joined(separator: " ")): exit", file: file, line: line)
    }

    /// Every row of the process, byte for byte: cwd, rtd, txt, mem (maps),
    /// and each descriptor's mode, type, device, size/offset, node, name.
    func testLsofProcessRows() throws {
        let (pid, tcp, udp, _) = try startHolder()
        try both("lsof", ["-p", pid])
        try both("lsof", ["-nP", "-p", pid])
        try both("lsof", ["-n", "-p", pid])
        try both("lsof", ["-t", "-p", pid])
        try both("lsof", ["-p", "\(pid),2147483647"])
        try both("lsof", ["-p", "2147483647"])
        // The rows the test knows, checked by content too.
        let got = try runProcess(try toolboxBinary(), ["lsof", "-nP", "-p", pid], environment: env).out
        for want in ["TCP 127.0.0.1:\(tcp) (LISTEN)", "UDP 127.0.0.1:\(udp) ", "/deleted.txt (deleted)", " pipe\n",
                     "type=STREAM (LISTEN)", "type=DGRAM (UNCONNECTED)", "protocol: NETLINK", "  CHR ", " mem ", " txt "] {
            XCTAssertTrue(got.contains(want), "missing \(want) in\n\(got)")
        }
    }

    func testLsofSelections() throws {
        let (pid, tcp, udp, dir) = try startHolder()
        try both("lsof", ["-a", "-p", pid, "-i"])
        try both("lsof", ["-i", "TCP:\(tcp)", "-nP"])
        try both("lsof", ["-i", ":\(udp)"])
        try both("lsof", ["-t", "-i", "@127.0.0.1:\(tcp)"])
        try both("lsof", ["-a", "-i", "4UDP", "-p", pid])
        try both("lsof", ["-a", "-i", "6", "-p", pid, "-nP"])
        try both("lsof", ["-a", "-c", "python", "-p", pid])
        try both("lsof", ["-a", "-c", "nosuchcommand", "-p", pid])
        try both("lsof", ["-a", "-u", "root", "-p", pid])
        try both("lsof", ["-a", "-u", "0", "-p", pid, "-t"])
        // +D with -a -p: Debian's lsof also lists other processes' unix
        // sockets bound to /proc/self/fd/N/... paths (conmon's attach socket),
        // resolving /proc/self as itself: an lsof artifact, not a file under DIR.
        try both("lsof", ["-a", "-p", pid, "+D", dir])
        try both("lsof", ["-t", "-a", "-p", pid, "+D", dir])
        try both("lsof", [dir + "/file.txt"])
    }

    /// --json: one array, numbers as numbers, the keys of docs/json.md.
    func testLsofJSON() throws {
        let (pid, _, _, _) = try startHolder()
        let r = try runProcess(try toolboxBinary(), ["lsof", "--json", "-p", pid], environment: env)
        XCTAssertEqual(r.code, 0, r.err)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertGreaterThan(rows.count, 20)
        for row in rows {
            XCTAssertEqual(Set(row.keys), ["command", "pid", "user", "fd", "mode", "type", "device", "size", "offset", "node", "name"])
            XCTAssertEqual(row["pid"] as? Int, Int(pid))
        }
        XCTAssertTrue(rows.contains { $0["fd"] as? String == "cwd" && $0["type"] as? String == "DIR" })
        XCTAssertTrue(rows.contains { $0["fd"] as? Int == 0 && $0["mode"] as? String == "r" })
    }

    // MARK: top

    func spawnSleep(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which(args[0]))
        p.arguments = Array(args.dropFirst())
        try p.run()
        children.append(p)
        return String(p.processIdentifier)
    }

    /// The task rows of sleeping processes the test starts (one of them
    /// nobody's), byte for byte; the summary lines with digits masked;
    /// the header exactly.
    func testTopBatchAgainstProcps() throws {
        var pids = [try spawnSleep(["sleep", "60"]), try spawnSleep(["sleep", "61"]),
                    try spawnSleep(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "62"])]
        pids.append(try spawnSleep(["nice", "-n", "5", "sleep", "63"]))
        usleep(300_000)
        let list = pids.joined(separator: ",")
        for args in [["-b", "-n", "1", "-p", list, "-o", "PID"], ["-b", "-n", "1", "-p", list, "-o", "-PID", "-w"],
                     ["-b", "-n", "1", "-p", list, "-o", "COMMAND", "-c"]] {
            let want = try runProcess(try which("top"), args, environment: env)
            let got = try runProcess(try toolboxBinary(), ["top"] + args, environment: env)
            XCTAssertEqual(got.code, want.code, "\(args)")
            XCTAssertEqual(got.err, want.err, "\(args)")
            let w = want.out.split(separator: "\n", omittingEmptySubsequences: false)
            let g = got.out.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(g.count, w.count, "\(args): lines\n\(got.out)\n\(want.out)")
            // Numbers and their padding left out: the words, their order and punctuation stay.
            func mask(_ s: Substring) -> String { String(s.filter { !$0.isNumber && $0 != "." && $0 != " " }) }
            for i in 0..<min(5, w.count, g.count) {
                XCTAssertEqual(mask(g[i]), mask(w[i]), "\(args): summary line \(i + 1)")
            }
            XCTAssertEqual(g.dropFirst(5).joined(separator: "\n"), w.dropFirst(5).joined(separator: "\n"), "\(args): task table")
        }
        try both("top", ["-b", "-n", "1", "-p", pids[0], "-u", "root"])
        // -u selects by effective user: nobody's sleep is among them.
        let r = try runProcess(try toolboxBinary(), ["top", "-b", "-n", "1", "-u", "nobody", "-w"], environment: env)
        XCTAssertTrue(r.out.contains("\(pids[2]) nobody "), r.out)
        XCTAssertFalse(r.out.contains(" root "), r.out)
    }

    /// The first frame's rates come from each process's stat read twice,
    /// 0.15 s apart, through one descriptor kept open (pread at offset 0:
    /// the kernel regenerates the text): a busy loop shows CPU use (a stale
    /// second read would give exactly 0.0), an idle sleep none; the same
    /// when the descriptor limit leaves no room to keep them (reopened).
    func testTopRateOfABusyProcessFromKeptStatFiles() throws {
        let busy = try spawnSleep(["sh", "-c", "while :; do :; done"])
        let idle = try spawnSleep(["sleep", "60"])
        usleep(300_000)
        func cpu(_ out: String, _ pid: String) -> Double? {
            for line in out.split(separator: "\n") {
                let f = line.split(separator: " ")   // PID USER PR NI VIRT RES SHR S %CPU ...
                if f.count > 8, f[0] == pid { return Double(f[8]) }
            }
            return nil
        }
        let args = ["top", "-b", "-n", "1", "-p", "\(busy),\(idle)"]
        let want = try runProcess(try which("top"), Array(args.dropFirst()), environment: env)
        XCTAssertGreaterThan(cpu(want.out, busy) ?? 0, 0, want.out)
        let bin = try toolboxBinary()
        for limited in [false, true] {
            let got = limited ? try runProcess("/bin/sh", ["-c", "ulimit -n 40 && exec \"$0\" \"$@\"", bin] + args, environment: env)
                : try runProcess(bin, args, environment: env)
            XCTAssertEqual(got.code, 0, got.err)
            XCTAssertEqual(got.err, "")
            XCTAssertGreaterThan(cpu(got.out, busy) ?? 0, 0, "limited \(limited):\n\(got.out)")
            XCTAssertEqual(cpu(got.out, idle), 0, "limited \(limited):\n\(got.out)")
        }
    }

    func testTopJSON() throws {
        let pid = try spawnSleep(["sleep", "60"])
        let r = try runProcess(try toolboxBinary(), ["top", "-b", "--json", "-p", pid], environment: env)
        XCTAssertEqual(r.code, 0, r.err)
        let frames = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(Set(frames[0].keys), ["time", "uptime", "tasks", "cpu", "memory_kib", "processes"])
        let procs = try XCTUnwrap(frames[0]["processes"] as? [[String: Any]])
        XCTAssertEqual(procs.count, 1)
        XCTAssertEqual(procs[0]["pid"] as? Int, Int(pid))
        XCTAssertEqual(procs[0]["command"] as? String, "sleep")
        XCTAssertEqual(procs[0]["state"] as? String, "S")
    }
}
