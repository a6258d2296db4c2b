import Foundation
@testable import ToolboxApplets
import ToolboxCore
import XCTest

// --json of every applet that has it (docs/json.md): each document parses
// with `python3 -m json.tool` (and a strict parser: one document, UTF-8,
// no NaN), the key set of every row kind is pinned here (`schemas`), and the
// values are compared with the real tools on things the tests create:
// procps ps, net-tools netstat, /proc/PID/status and capsh, GNU stat.

/// The exact member lists, in order. A key added to or removed from an
/// applet's JSON fails `testSchemasPinEveryKey` until it is changed here
/// (and in docs/json.md).
let jsonSchemas: [String: [String]] = [
    "ps": ["pid", "ppid", "pgid", "sid", "tgid", "lwp", "uid", "ruid", "user", "ruser", "gid", "rgid", "group", "rgroup",
           "tty", "stat", "state", "time", "etime", "start_time", "args", "comm", "rss", "vsz", "pcpu", "pmem", "c",
           "nlwp", "ni", "pri", "wchan", "flags", "addr", "sz", "opri", "psr", "container", "infra"],
    "ps default": ["pid", "tty", "time", "comm"],
    "ps -f": ["user", "pid", "ppid", "c", "start_time", "tty", "time", "args"],
    "ps aux": ["user", "pid", "pcpu", "pmem", "vsz", "rss", "tty", "stat", "start_time", "time", "args"],
    "netstat inet": ["proto", "recv_q", "send_q", "local_address", "local_port", "foreign_address", "foreign_port",
                     "state", "uid", "user", "inode"],
    "netstat inet -p": ["proto", "recv_q", "send_q", "local_address", "local_port", "foreign_address", "foreign_port",
                        "state", "uid", "user", "inode", "pid", "program"],
    "netstat unix": ["proto", "refcnt", "flags", "type", "state", "inode", "path"],
    "netstat unix -p": ["proto", "refcnt", "flags", "type", "state", "inode", "path", "pid", "program"],
    "caps": ["pid", "name", "uids", "gids", "groups", "user", "group", "cap_inheritable", "cap_inheritable_hex",
             "cap_permitted", "cap_permitted_hex", "cap_effective", "cap_effective_hex", "cap_bounding",
             "cap_bounding_hex", "cap_ambient", "cap_ambient_hex", "no_new_privs", "seccomp"],
    "caps --decode": ["hex", "names"],
    "ls": ["name", "path", "type", "mode", "mode_string", "nlink", "uid", "user", "gid", "group", "size", "inode",
           "mtime", "target", "rdev_major", "rdev_minor"],
    "stat": ["path", "target", "type", "size", "blocks", "io_block", "device_major", "device_minor", "inode", "nlink",
             "rdev_major", "rdev_minor", "mode", "mode_string", "uid", "user", "gid", "group", "atime", "mtime", "ctime",
             "btime"],
    "inspect": ["pid", "complete", "identity", "memory", "cpu", "limits", "fds", "env", "mounts", "security"],
    "inspect identity": ["command", "name", "exe", "cwd", "uids", "gids", "user", "container", "state", "start_time",
                         "age_seconds", "threads", "parents", "errors"],
    "inspect memory": ["rss_bytes", "pss_bytes", "swap_bytes", "smaps_rollup_access", "peak_rss_bytes",
                       "cgroup_usage_bytes", "cgroup_limit_bytes", "cgroup_usage_percent", "cgroup_peak_bytes",
                       "cgroup_source", "oom_kills", "oom_events", "oom_score", "oom_score_adj", "errors"],
    "inspect cpu": ["user_seconds", "system_seconds", "rate_percent", "interval_seconds", "quota_cores", "quota_source",
                    "cgroup_rate_cores", "nr_throttled", "nr_periods", "throttled_seconds", "sample_periods",
                    "sample_throttled", "throttle_source", "errors"],
    "inspect limits": ["rlimits", "pids_current", "pids_max", "pids_source", "errors"],
    "inspect fds": ["total", "by_kind", "fds", "errors"],
    "inspect env": ["variables", "masked", "errors"],
    "inspect mounts": ["mounts", "errors"],
    "inspect security": ["cap_effective", "cap_permitted", "cap_inheritable", "cap_bounding", "cap_ambient",
                         "no_new_privs", "seccomp", "seccomp_filters", "namespaces", "nsenter", "errors"],
]

/// A parsed document: strings holding bytes that are not UTF-8 (the
/// writer's \udcXX escapes) become "bytes:<hex>", numbers with a fraction
/// their exact text (a String), and `keys` the member order of each row
/// (an array document) or of the object and its object members.
struct JSONDoc {
    let value: Any
    let keys: Any
    var rows: [[String: Any]] { value as? [[String: Any]] ?? [] }
    var rowKeys: [[String]] { keys as? [[String]] ?? [] }
}

let jsonNormalizer = #"""
import json, sys
def reject(c): raise ValueError("not JSON: " + c)
text = sys.stdin.buffer.read().decode("utf-8")          # strict: the output is UTF-8
load = lambda s: json.loads(s, parse_float=str, parse_constant=reject)
doc = [load(l) for l in text.split("\n") if l] if sys.argv[1] == "lines" else load(text)
def norm(v):
    if isinstance(v, str):
        if any("\udc80" <= ch <= "\udcff" for ch in v):
            return "bytes:" + v.encode("utf-8", "surrogateescape").hex()
        v.encode("utf-8")                                   # no other lone surrogate
        return v
    if isinstance(v, list): return [norm(x) for x in v]
    if isinstance(v, dict): return {k: norm(x) for k, x in v.items()}
    return v
if isinstance(doc, list):
    keys = [list(r.keys()) if isinstance(r, dict) else [] for r in doc]
else:
    keys = {"": list(doc.keys())}
    keys.update({k: list(v.keys()) for k, v in doc.items() if isinstance(v, dict)})
print(json.dumps({"doc": norm(doc), "keys": keys}))
"""#

/// Runs a program; stdout as raw bytes (a lossy String would hide invalid UTF-8).
func runJSONBytes(_ exe: String, _ args: [String], environment: [String: String]? = nil) throws -> (out: Data, err: String, code: Int32) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let environment { p.environment = environment }
    let outFile = NSTemporaryDirectory() + "json-out-\(getpid())-\(UUID().uuidString)"
    let errFile = outFile + ".err"
    FileManager.default.createFile(atPath: outFile, contents: nil)
    FileManager.default.createFile(atPath: errFile, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outFile); try? FileManager.default.removeItem(atPath: errFile) }
    let o = try XCTUnwrap(FileHandle(forWritingAtPath: outFile)), e = try XCTUnwrap(FileHandle(forWritingAtPath: errFile))
    p.standardOutput = o; p.standardError = e; p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try o.close(); try e.close()
    let out = try Data(contentsOf: URL(fileURLWithPath: outFile))
    let err = String(decoding: try Data(contentsOf: URL(fileURLWithPath: errFile)), as: UTF8.self)
    return (out, err, p.terminationStatus)
}

/// `python3 -m json.tool` must accept `out` (with --json-lines for `lines`),
/// then the strict normalizer parses it.
func parseJSONOutput(_ out: Data, lines: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> JSONDoc {
    let tool = try runProcess("/usr/bin/python3", ["-m", "json.tool"] + (lines ? ["--json-lines"] : []), stdin: out)
    XCTAssertEqual(tool.code, 0, "json.tool refused it: \(tool.err)\n\(String(decoding: out.prefix(3000), as: UTF8.self))", file: file, line: line)
    let r = try runProcess("/usr/bin/python3", ["-c", jsonNormalizer, lines ? "lines" : "doc"], stdin: out)
    XCTAssertEqual(r.code, 0, "strict parse: \(r.err)", file: file, line: line)
    let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], file: file, line: line)
    return JSONDoc(value: obj["doc"] as Any, keys: obj["keys"] as Any)
}

/// The toolbox binary with `args`: exit status `code` (nil: 0 or 1), and the parsed document.
func toolboxJSON(_ args: [String], code: Int32? = 0, lines: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws -> JSONDoc {
    let r = try runJSONBytes(try toolboxBinary(), args)
    if let code { XCTAssertEqual(r.code, code, "toolbox \(args.joined(separator: " ")): \(r.err)", file: file, line: line) }
    else { XCTAssertTrue(r.code == 0 || r.code == 1, "toolbox \(args.joined(separator: " ")): \(r.code) \(r.err)", file: file, line: line) }
    return try parseJSONOutput(r.out, lines: lines, file: file, line: line)
}

func int(_ v: Any?) -> Int? { (v as? NSNumber)?.intValue }
func hexBytes(_ b: [UInt8]) -> String { "bytes:" + b.map { String(format: "%02x", $0) }.joined() }

final class JSONOutputTests: XCTestCase {
    var children: [Process] = []
    var tmp = ""

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "json-\(getpid())-\(name.filter { $0.isLetter })"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in children { p.waitUntilExit() }
        children = []
        try? FileManager.default.removeItem(atPath: tmp)
    }

    /// Starts a child and waits until /proc/PID/cmdline contains `marker`
    /// (the exec happened).
    func spawn(_ exe: String, _ args: [String], env: [String: String]? = nil, marker: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let env { p.environment = env }
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        children.append(p)
        let pid = p.processIdentifier
        for _ in 0..<250 {
            let c = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            if String(decoding: c, as: UTF8.self).contains(marker) { return pid }
            usleep(20_000)
        }
        XCTFail("\(exe) did not start")
        return pid
    }

    // MARK: ps

    /// The test's own processes: values against procps ps -o (ids, names,
    /// state, threads, priority, memory, elapsed and CPU time), the command
    /// line against /proc/PID/cmdline byte for byte.
    func testPsValuesMatchProcps() throws {
        let root = try spawn("/bin/sleep", ["1001"], marker: "1001")
        let other = try spawn("/usr/bin/setpriv", ["--reuid", "54321", "--regid", "54321", "--clear-groups", "/bin/sleep", "1002"],
                              marker: "1002")
        // argv[0] with a quote, a backslash, a tab, controls, C1 and invalid UTF-8.
        let weird = try spawn("/usr/bin/python3", ["-c", #"import os; os.execv("/bin/sleep", [b'sl"e\\ep\t\x01\x7f\xc2\x85\xff', b"1003"])"#],
                              marker: "\u{1}")   // a byte only the exec'd argv has
        let pids = [root, other, weird]
        let list = pids.map(String.init).joined(separator: ",")
        // procps's `times` is CPU seconds; toolbox's `time` member is the same value to the tick.
        let keys = "pid,ppid,pgid,sid,uid,ruid,gid,rgid,user,group,tty,stat,s,nlwp,ni,pri,rss,vsz,%mem,comm,args,etimes,times,wchan"
        let doc = try toolboxJSON(["ps", "--json", "-p", list, "-o", keys.replacingOccurrences(of: ",times,", with: ",time,")])
        XCTAssertEqual(doc.rows.count, 3)
        let procps = try runProcess("/usr/bin/ps", ["-p", list, "-o", keys.split(separator: ",").map { "\($0)=" }.joined(separator: ",")])
        XCTAssertEqual(procps.code, 0, procps.err)
        var byPid: [Int: [String: Any]] = [:]
        for r in doc.rows { byPid[try XCTUnwrap(int(r["pid"]))] = r }
        for line in procps.out.split(separator: "\n") {
            // comm and args may hold blanks: the fixed fields first, comm is one word here.
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let pid = try XCTUnwrap(Int(f[0]))
            let r = try XCTUnwrap(byPid[pid], "pid \(pid) missing from \(doc.rows)")
            for (i, k) in ["pid", "ppid", "pgid", "sid", "uid", "ruid", "gid", "rgid"].enumerated() {
                XCTAssertEqual(int(r[k]), Int(f[i]), "\(k) of \(pid)")
            }
            // procps prints the number when there is no name: toolbox null.
            if Int(f[8]) != nil { XCTAssertTrue(r["user"] is NSNull, "user of \(pid): \(r["user"] ?? "")") }
            else { XCTAssertEqual(r["user"] as? String, f[8]) }
            if Int(f[9]) != nil { XCTAssertTrue(r["group"] is NSNull) } else { XCTAssertEqual(r["group"] as? String, f[9]) }
            XCTAssertTrue(r["tty"] is NSNull, "tty \(f[10])")
            XCTAssertEqual(f[10], "?")
            XCTAssertEqual(r["stat"] as? String, f[11])
            XCTAssertEqual(r["state"] as? String, f[12])
            for (i, k) in [(13, "nlwp"), (14, "ni"), (15, "pri"), (16, "rss"), (17, "vsz")] {
                XCTAssertEqual(int(r[k]), Int(f[i]), "\(k) of \(pid)")
            }
            XCTAssertEqual(r["pmem"] as? String ?? (r["pmem"] as? NSNumber)?.stringValue, f[18], "pmem of \(pid)")
            XCTAssertEqual(r["comm"] as? String, f[19])
            // etimes/times are the last three fields before wchan (args may have blanks).
            let n = f.count
            let etime = try XCTUnwrap(int(r["etime"]))
            XCTAssertLessThanOrEqual(abs(etime - (Int(f[n - 3]) ?? -99)), 2, "etime of \(pid)")
            let cpu = try XCTUnwrap(Double(r["time"] as? String ?? ""), "time is a number with a fraction: \(r["time"] ?? "")")
            XCTAssertEqual(Int(cpu), Int(f[n - 2]), "CPU seconds of \(pid)")
            XCTAssertEqual(r["wchan"] as? String ?? "-", f[n - 1], "wchan of \(pid)")
            // The command line: /proc/PID/cmdline with NULs as blanks, exact bytes.
            var cmd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
            while cmd.last == 0 { cmd.removeLast() }
            let text = cmd.map { $0 == 0 ? UInt8(ascii: " ") : $0 }
            if pid == Int(weird) {
                XCTAssertEqual(r["args"] as? String, hexBytes(text), "args keeps every byte")
                XCTAssertEqual(r["comm"] as? String, "sleep")
            } else {
                XCTAssertEqual(r["args"] as? String, String(decoding: text, as: UTF8.self))
            }
        }
        XCTAssertEqual(byPid.count, 3)
        XCTAssertTrue(byPid[Int(other)]?["user"] is NSNull)
        XCTAssertEqual(int(byPid[Int(other)]?["uid"]), 54321)
        // start_time: epoch seconds, now - etime.
        let now = Int(Date().timeIntervalSince1970)
        let start = try XCTUnwrap(int(try toolboxJSON(["ps", "--json", "-p", "\(root)", "-o", "start_time"]).rows.first?["start_time"]))
        XCTAssertLessThanOrEqual(abs(now - int(byPid[Int(root)]?["etime"])! - start), 3)
    }

    /// No procps internals: the default, -f and BSD forms name their members
    /// as documented; aliases share one member.
    func testPsKeyNamesAreTheDocumentedOnes() throws {
        let me = "\(getpid())"
        XCTAssertEqual(try toolboxJSON(["ps", "--json", "-p", me]).rowKeys, [jsonSchemas["ps default"]!])
        XCTAssertEqual(try toolboxJSON(["ps", "-f", "--json", "-p", me]).rowKeys, [jsonSchemas["ps -f"]!])
        XCTAssertEqual(try toolboxJSON(["ps", "u", "--json", "-p", me]).rowKeys, [jsonSchemas["ps aux"]!])
        let aliases = try toolboxJSON(["ps", "--json", "-p", me, "-o", "tname,tt,tty,uid_hack,uname,euser,cputime,bsdtime,time,etimes,etime,stime,start,%cpu,pcpu"])
        XCTAssertEqual(aliases.rowKeys, [["tty", "user", "time", "etime", "start_time", "pcpu"]])
        // Nothing selected: an empty array, exit 1 (procps's status).
        let none = try toolboxJSON(["ps", "--json", "-p", "999999999"], code: 1)
        XCTAssertEqual(none.rows.count, 0)
        XCTAssertEqual(try runJSONBytes(try toolboxBinary(), ["ps", "--json", "-p", "999999999"]).out, Data("[]\n".utf8))
    }

    /// --jsonl: the same objects, one per line, no array.
    func testPsAndNetstatJSONLinesAreTheSameRows() throws {
        for args in [["ps", "-e", "-o", "pid,ppid,uid"], ["netstat", "-an"]] {
            let doc = try toolboxJSON(args + ["--json"])
            let lines = try runJSONBytes(try toolboxBinary(), args + ["--jsonl"])
            XCTAssertEqual(lines.code, 0, lines.err)
            XCTAssertFalse(lines.out.starts(with: Data("[".utf8)))
            let l = try parseJSONOutput(lines.out, lines: true)
            // ps rows can come and go between two runs: compare the common pids.
            if args[0] == "ps" {
                let a = Dictionary(doc.rows.map { (int($0["pid"])!, int($0["ppid"])) }, uniquingKeysWith: { x, _ in x })
                let b = Dictionary(l.rows.map { (int($0["pid"])!, int($0["ppid"])) }, uniquingKeysWith: { x, _ in x })
                XCTAssertGreaterThan(Set(a.keys).intersection(b.keys).count, 3)
                for k in Set(a.keys).intersection(b.keys) { XCTAssertEqual(a[k]!, b[k]!) }
                XCTAssertEqual(Set(l.rowKeys.map { $0.joined(separator: ",") }), ["pid,ppid,uid"])
            } else {
                XCTAssertEqual(Set(l.rowKeys.map { $0.joined(separator: ",") }), Set(doc.rowKeys.map { $0.joined(separator: ",") }))
            }
        }
    }

    // MARK: netstat

    /// Sockets the test opens (a TCP listener and a connection to it, a UDP
    /// socket, a unix listener whose path has a quote, a backslash, a tab,
    /// a control byte and invalid UTF-8): every member against net-tools
    /// netstat -anpe's columns, matched by inode.
    func testNetstatValuesMatchNetTools() throws {
        // (No newline: /proc/net/unix, which -x reads, prints paths raw, one per line.)
        let path: [UInt8] = Array("\(tmp)/s\"q\\b\t\u{1}".utf8) + [0xFF]
        let script = """
        import socket, sys, time
        t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(5)
        c = socket.create_connection(t.getsockname()); a, _ = t.accept()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
        x = socket.socket(socket.AF_UNIX); x.bind(bytes.fromhex("\(path.map { String(format: "%02x", $0) }.joined())")); x.listen(1)
        print(t.getsockname()[1], c.getsockname()[1], u.getsockname()[1], flush=True)
        open("\(tmp)/ready", "w").close()
        time.sleep(600)
        """
        let helper = Process()
        helper.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        helper.arguments = ["-c", script]
        let pipe = Pipe()
        helper.standardOutput = pipe; helper.standardError = FileHandle.nullDevice
        try helper.run()
        children.append(helper)
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let d = pipe.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += d
        }
        let ports = String(decoding: line, as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        XCTAssertEqual(ports.count, 3, "helper: \(ports)")
        guard ports.count == 3 else { return }
        let (listen, client, udp) = (ports[0], ports[1], ports[2])
        let pid = Int(helper.processIdentifier)

        let doc = try toolboxJSON(["netstat", "-tuxanpe", "--json"])
        let tools = try runProcess("/usr/bin/netstat", ["-tuxanpe"], environment: ["LC_ALL": "C", "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(tools.code, 0, tools.err)
        // net-tools rows by inode: inet `Proto Recv-Q Send-Q Local Foreign State User Inode PID/Program`
        // (UDP without State), unix `unix RefCnt [ flags ] Type State I-Node PID/Program Path`.
        var inet: [Int: [String]] = [:], unix: [Int: [String]] = [:]
        for l in tools.out.split(separator: "\n") {
            let f = l.split(separator: " ").map(String.init)
            if f.first == "unix" {
                guard let close = f.firstIndex(of: "]") else { continue }
                let flags = Array(f[2..<close].dropFirst())
                var rest = Array(f[(close + 1)...])
                if rest.count >= 2, Int(rest[1]) != nil { rest.insert("", at: 1) }   // no State
                if let ino = Int(rest[2]) { unix[ino] = [f[1], flags.joined(separator: ","), rest[0], rest[1], rest[3]] }
            } else if ["tcp", "udp"].contains(f.first ?? "") {
                var g = f
                if g[0] == "udp", g.count == 8 { g.insert("", at: 5) }
                if g.count >= 9, let ino = Int(g[7]) { inet[ino] = g }
            }
        }
        var seen = Set<String>()
        for r in doc.rows where r["proto"] as? String != "unix" {
            let ino = try XCTUnwrap(int(r["inode"]))
            let lp = int(r["local_port"]), fp = int(r["foreign_port"])
            let ours: String? = lp == listen && fp == 0 ? "listen" : lp == listen && fp == client ? "accepted"
                : lp == client ? "client" : lp == udp ? "udp" : nil
            guard let ours else { continue }
            seen.insert(ours)
            let t = try XCTUnwrap(inet[ino], "net-tools has no inode \(ino): \(tools.out)")
            XCTAssertEqual(r["proto"] as? String, t[0])
            XCTAssertEqual(int(r["recv_q"]), Int(t[1])); XCTAssertEqual(int(r["send_q"]), Int(t[2]))
            XCTAssertEqual("\(r["local_address"] as? String ?? ""):\(lp!)", t[3])
            XCTAssertEqual("\(r["foreign_address"] as? String ?? ""):\(fp == 0 ? "*" : String(fp!))", t[4])
            XCTAssertEqual(r["state"] as? String, t[5].isEmpty ? "CLOSE" : t[5])
            XCTAssertEqual(int(r["uid"]), Int(t[6]))
            XCTAssertEqual(int(r["pid"]), pid); XCTAssertEqual(r["program"] as? String, "python3")
            XCTAssertEqual(t[8], "\(pid)/python3")
            XCTAssertEqual(r["user"] as? String, "root")
        }
        XCTAssertEqual(seen, ["listen", "accepted", "client", "udp"])
        let mine = doc.rows.filter { $0["path"] as? String == hexBytes(path) }
        XCTAssertEqual(mine.count, 1, "the unix socket by its exact path")
        let r = try XCTUnwrap(mine.first)
        let t = try XCTUnwrap(unix[try XCTUnwrap(int(r["inode"]))])
        XCTAssertEqual(int(r["refcnt"]), Int(t[0]))
        XCTAssertEqual((r["flags"] as? [String])?.joined(separator: ","), t[1])
        XCTAssertEqual(r["type"] as? String, t[2]); XCTAssertEqual(r["state"] as? String, t[3])
        XCTAssertEqual(r["state"] as? String, "LISTENING")
        XCTAssertEqual(t[4], "\(pid)/python3"); XCTAssertEqual(int(r["pid"]), pid)
        // -l: the listener, not the connection; without -p no owner members.
        let l = try toolboxJSON(["netstat", "-tln", "--json"])
        XCTAssertTrue(l.rows.contains { int($0["local_port"]) == listen })
        XCTAssertFalse(l.rows.contains { int($0["local_port"]) == client })
        XCTAssertFalse(l.rows.contains { $0["state"] as? String != "LISTEN" })
    }

    // MARK: caps

    /// A process with a reduced bounding set: each set's hex against
    /// /proc/PID/status, its names against capsh --decode, ids against Uid/Gid.
    func testCapsValuesMatchStatusAndCapsh() throws {
        let pid = try spawn("/usr/bin/setpriv", ["--bounding-set", "-net_raw,-sys_admin", "--inh-caps", "+kill", "/bin/sleep", "1005"],
                            marker: "1005")
        let doc = try toolboxJSON(["caps", "--json", "\(pid)"])
        let r = try XCTUnwrap(doc.rows.first)
        XCTAssertEqual(doc.rows.count, 1)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ k: String) -> String? {
            status.split(separator: "\n").first { $0.hasPrefix(k + ":") }.map { $0.dropFirst(k.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(int(r["pid"]), Int(pid)); XCTAssertEqual(r["name"] as? String, "sleep")
        XCTAssertEqual((r["uids"] as? [Int])?.map(String.init).joined(separator: "\t"), field("Uid"))
        XCTAssertEqual((r["gids"] as? [Int])?.map(String.init).joined(separator: "\t"), field("Gid"))
        for (key, line) in [("cap_inheritable", "CapInh"), ("cap_permitted", "CapPrm"), ("cap_effective", "CapEff"),
                            ("cap_bounding", "CapBnd"), ("cap_ambient", "CapAmb")] {
            let hex = try XCTUnwrap(field(line))
            XCTAssertEqual(r[key + "_hex"] as? String, hex, key)
            let capsh = try runProcess("/usr/sbin/capsh", ["--decode=\(hex)"])
            let names = capsh.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "=", maxSplits: 1).dropFirst().first ?? ""
            XCTAssertEqual((r[key] as? [String])?.joined(separator: ","), String(names), key)
        }
        XCTAssertEqual(r["cap_inheritable"] as? [String], ["cap_kill"])
        XCTAssertFalse((r["cap_bounding"] as? [String] ?? ["cap_net_raw"]).contains("cap_net_raw"))
        XCTAssertEqual(r["no_new_privs"] as? Bool, field("NoNewPrivs") == "1")
        XCTAssertEqual(r["seccomp"] as? String, ["0": "disabled", "1": "strict", "2": "filter"][field("Seccomp") ?? ""])
        XCTAssertEqual(r["user"] as? String, "root")
        // --decode: as capsh.
        let d = try toolboxJSON(["caps", "--json", "--decode", "805fb", "--decode", "0x0"])
        XCTAssertEqual(d.rows.count, 2)
        let capsh = try runProcess("/usr/sbin/capsh", ["--decode=805fb"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual("0x" + (d.rows[0]["hex"] as? String ?? "") + "=" + ((d.rows[0]["names"] as? [String]) ?? []).joined(separator: ","), capsh)
        XCTAssertEqual(d.rows[1]["names"] as? [String], [])
        // This process, and a vanished PID: reported on stderr, the document stays valid.
        let selfDoc = try toolboxJSON(["caps", "--json"])
        XCTAssertEqual(selfDoc.rows.first?["name"] as? String, "toolbox")
        let gone = try runJSONBytes(try toolboxBinary(), ["caps", "--json", "999999999", "\(pid)"])
        XCTAssertEqual(gone.err, "caps: 999999999: no such process\n")
        XCTAssertEqual(try parseJSONOutput(gone.out).rows.count, 1)
    }

    // MARK: ls and stat

    /// Creates `name` (raw bytes) in `dir` as a regular file with `size` bytes.
    func makeFile(_ dir: String, _ name: [UInt8], size: Int = 0, mode: mode_t = 0o644) throws {
        let path = Array(dir.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_EXCL, mode) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0, "create \(name)")
        if size > 0 { _ = [UInt8](repeating: 0x61, count: size).withUnsafeBytes { write(fd, $0.baseAddress, size) } }
        fchmod(fd, mode)
        close(fd)
    }

    /// Names GNU's tools would quote (and one that is not UTF-8): every one
    /// listed with its exact bytes, every member against GNU stat -c.
    func testLsValuesMatchGNUStatAndNamesKeepTheirBytes() throws {
        let d = tmp + "/d"
        try FileManager.default.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true)
        let names: [[UInt8]] = [Array("q\"uote".utf8), Array("back\\slash".utf8), Array("nl\ntab\tctl\u{1}del\u{7f}".utf8),
                                Array("c1\u{85}".utf8), Array("bad".utf8) + [0xFF, 0xC3], Array("é😀".utf8), Array("plain".utf8)]
        for n in names { try makeFile(d, n) }
        try makeFile(d, Array("sized".utf8), size: 123, mode: 0o640)
        try makeFile(d, Array("setuid".utf8), mode: 0o4755)
        try makeFile(d + "/sub", Array("inner".utf8), size: 5)
        chmod(d + "/sub", 0o1777)
        XCTAssertEqual(chown(d + "/setuid", 54321, 54321), 0)
        XCTAssertEqual(symlink("q\"uote", d + "/link"), 0)
        XCTAssertEqual(mkfifo(d + "/fifo", 0o600), 0)
        // Exact and pre-1970 times.
        var ts = [timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789), timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789)]
        XCTAssertEqual(utimensat(AT_FDCWD, d + "/sized", &ts, 0), 0)
        ts = [timespec(tv_sec: -2, tv_nsec: 250_000_000), timespec(tv_sec: -2, tv_nsec: 250_000_000)]
        XCTAssertEqual(utimensat(AT_FDCWD, d + "/plain", &ts, 0), 0)

        let doc = try toolboxJSON(["ls", "-la", "--json", d])
        XCTAssertEqual(Set(doc.rowKeys.map { $0.joined(separator: ",") }), [jsonSchemas["ls"]!.joined(separator: ",")])
        // Names: each exactly once, valid UTF-8 as text, the rest as bytes.
        func expected(_ n: [UInt8]) -> String {
            String(validatingUTF8: (n + [0]).map { CChar(bitPattern: $0) }) ?? hexBytes(n)
        }
        let want = Set(names.map(expected) + [".", "..", "sized", "setuid", "sub", "link", "fifo"])
        XCTAssertEqual(Set(doc.rows.compactMap { $0["name"] as? String }), want)
        XCTAssertEqual(doc.rows.count, want.count)
        XCTAssertEqual(doc.rows.first { $0["name"] as? String == hexBytes(Array("bad".utf8) + [0xFF, 0xC3]) }?["path"] as? String,
                       hexBytes(Array((d + "/bad").utf8) + [0xFF, 0xC3]))
        // GNU stat on the same entries (the shell's glob passes the raw names).
        let gnu = try runProcess("/bin/sh", ["-c", "cd \"$1\" && exec stat -c '%i|%a|%s|%h|%u|%g|%U|%G|%.9Y|%F|%A' -- .* *", "sh", d],
                                 environment: ["LC_ALL": "C", "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(gnu.code, 0, gnu.err)
        var byInode: [Int: [String]] = [:]
        for l in gnu.out.split(separator: "\n") { let f = l.split(separator: "|", omittingEmptySubsequences: false).map(String.init); byInode[Int(f[0])!] = f }
        let types = ["regular file": "file", "regular empty file": "file", "directory": "directory", "symbolic link": "symlink",
                     "fifo": "fifo", "socket": "socket", "character special file": "char", "block special file": "block"]
        for r in doc.rows {
            let name = r["name"] as? String ?? "?"
            let g = try XCTUnwrap(byInode[try XCTUnwrap(int(r["inode"]))], "GNU stat has no inode for \(name)")
            XCTAssertEqual(int(r["mode"]), Int(g[1], radix: 8), "mode of \(name)")
            XCTAssertEqual(int(r["size"]), Int(g[2]), "size of \(name)")
            XCTAssertEqual(int(r["nlink"]), Int(g[3]), "nlink of \(name)")
            XCTAssertEqual(int(r["uid"]), Int(g[4])); XCTAssertEqual(int(r["gid"]), Int(g[5]))
            XCTAssertEqual(r["user"] as? String ?? "UNKNOWN", g[6], "user of \(name)")
            XCTAssertEqual(r["group"] as? String ?? "UNKNOWN", g[7], "group of \(name)")
            XCTAssertEqual(r["mtime"] as? String, g[8], "mtime of \(name): exact nanoseconds")
            XCTAssertEqual(r["type"] as? String, types[g[9]], "type of \(name)")
            XCTAssertEqual(r["mode_string"] as? String, g[10], "mode string of \(name)")
            XCTAssertEqual(r["target"] as? String, name == "link" ? "q\"uote" : nil)
            XCTAssertTrue(r["rdev_major"] is NSNull)
        }
        XCTAssertEqual(doc.rows.first { $0["name"] as? String == "sized" }?["mtime"] as? String, "1700000000.123456789")
        XCTAssertEqual(doc.rows.first { $0["name"] as? String == "plain" }?["mtime"] as? String, "-1.750000000")
        XCTAssertTrue(doc.rows.first { $0["name"] as? String == "setuid" }?["user"] is NSNull)
        // -R: every directory's entries in the one array, told apart by path.
        let rec = try toolboxJSON(["ls", "-R", "--json", d])
        XCTAssertTrue(rec.rows.contains { $0["path"] as? String == d + "/sub/inner" && int($0["size"]) == 5 })
        XCTAssertTrue(rec.rows.contains { $0["path"] as? String == d + "/sub" && $0["type"] as? String == "directory" && int($0["mode"]) == 0o1777 })
        // A device, and a missing operand: reported, the document still valid.
        let dev = try runJSONBytes(try toolboxBinary(), ["ls", "--json", "/dev/null", d + "/missing"])
        XCTAssertEqual(dev.code, 1)
        XCTAssertEqual(dev.err, "ls: cannot access '\(d)/missing': No such file or directory\n")
        let devRow = try XCTUnwrap(try parseJSONOutput(dev.out).rows.first)
        XCTAssertEqual(devRow["type"] as? String, "char")
        XCTAssertEqual(int(devRow["rdev_major"]), 1); XCTAssertEqual(int(devRow["rdev_minor"]), 3)
    }

    /// Every field of stat's default format, against GNU stat -c.
    func testStatValuesMatchGNUStat() throws {
        try makeFile(tmp, Array("f".utf8), size: 4097, mode: 0o600)
        XCTAssertEqual(symlink("f", tmp + "/l"), 0)
        let files = [tmp + "/f", tmp + "/l", tmp, "/dev/null"]
        // Once before: reading the link's target updates its atime (relatime
        // updates it only the first time), which would race GNU stat's view.
        _ = try runJSONBytes(try toolboxBinary(), ["stat", "--json"] + files)
        let doc = try toolboxJSON(["stat", "--json"] + files)
        XCTAssertEqual(doc.rows.count, files.count)
        XCTAssertEqual(Set(doc.rowKeys.map { $0.joined(separator: ",") }), [jsonSchemas["stat"]!.joined(separator: ",")])
        let fmt = "%s|%b|%o|%Hd|%Ld|%i|%h|%Hr|%Lr|%a|%A|%u|%U|%g|%G|%.9X|%.9Y|%.9Z|%.9W|%F"
        for (r, file) in zip(doc.rows, files) {
            let g = try runProcess("/usr/bin/stat", ["-c", fmt, file], environment: ["LC_ALL": "C"]).out
                .trimmingCharacters(in: .newlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(r["path"] as? String, file)
            for (i, k) in ["size", "blocks", "io_block", "device_major", "device_minor", "inode", "nlink"].enumerated() {
                XCTAssertEqual(int(r[k]), Int(g[i]), "\(k) of \(file)")
            }
            if r["type"] as? String == "char" {
                XCTAssertEqual(int(r["rdev_major"]), Int(g[7])); XCTAssertEqual(int(r["rdev_minor"]), Int(g[8]))
            } else {
                XCTAssertTrue(r["rdev_major"] is NSNull); XCTAssertTrue(r["rdev_minor"] is NSNull)
            }
            XCTAssertEqual(int(r["mode"]), Int(g[9], radix: 8)); XCTAssertEqual(r["mode_string"] as? String, g[10])
            XCTAssertEqual(int(r["uid"]), Int(g[11])); XCTAssertEqual(r["user"] as? String, g[12])
            XCTAssertEqual(int(r["gid"]), Int(g[13])); XCTAssertEqual(r["group"] as? String, g[14])
            XCTAssertEqual(r["atime"] as? String, g[15]); XCTAssertEqual(r["mtime"] as? String, g[16])
            XCTAssertEqual(r["ctime"] as? String, g[17])
            XCTAssertEqual(r["btime"] as? String ?? "0.000000000", g[18], "btime of \(file)")
            let types = ["regular file": "file", "directory": "directory", "symbolic link": "symlink", "character special file": "char"]
            XCTAssertEqual(r["type"] as? String, types[g[19]], file)
            XCTAssertEqual(r["target"] as? String, file.hasSuffix("/l") ? "f" : nil)
        }
        let missing = try runJSONBytes(try toolboxBinary(), ["stat", "--json", tmp + "/nope", tmp + "/f"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertEqual(missing.err, "stat: cannot statx '\(tmp)/nope': No such file or directory\n")
        XCTAssertEqual(try parseJSONOutput(missing.out).rows.map { $0["path"] as? String }, [tmp + "/f"])
    }

    // MARK: inspect

    /// inspect's document through the same writer: every section has its
    /// members whatever could be read; values against /proc.
    func testInspectValuesAndStableSections() throws {
        let pid = try spawn("/bin/sleep", ["1006"], env: ["JSON_QUOTE": "a\"b\\c\u{1}", "API_TOKEN": "hunter2", "PATH": "/bin"],
                            marker: "1006")
        let doc = try toolboxJSON(["inspect", "--json", "--interval", "0", "\(pid)"], code: nil)
        let top = try XCTUnwrap(doc.value as? [String: Any])
        XCTAssertEqual(int(top["pid"]), Int(pid))
        let id = try XCTUnwrap(top["identity"] as? [String: Any])
        XCTAssertEqual(id["command"] as? [String], ["/bin/sleep", "1006"])
        XCTAssertEqual(id["uids"] as? [Int], [0, 0, 0, 0])
        XCTAssertEqual(id["user"] as? String, "root")
        let env = try XCTUnwrap((top["env"] as? [String: Any])?["variables"] as? [String: Any])
        XCTAssertEqual(env["JSON_QUOTE"] as? String, "a\"b\\c\u{1}")
        XCTAssertEqual(env["API_TOKEN"] as? String, "******")
        let fds = try XCTUnwrap(top["fds"] as? [String: Any])
        let inProc = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
        XCTAssertEqual(int(fds["total"]), inProc)
        let sec = try XCTUnwrap(top["security"] as? [String: Any])
        let capEff = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("CapEff:") }.map { $0.dropFirst(7).trimmingCharacters(in: .whitespaces) }
        let capsh = try runProcess("/usr/sbin/capsh", ["--decode=\(capEff ?? "")"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual((sec["cap_effective"] as? [String])?.joined(separator: ","), capsh.split(separator: "=").last.map(String.init))
        // One section: only it.
        let one = try toolboxJSON(["inspect", "--json", "\(pid)", "env"])
        XCTAssertEqual((one.keys as? [String: [String]])?[""], ["pid", "complete", "env"])
    }

    // MARK: schemas

    /// Every row kind's members, in order, exactly as `jsonSchemas` lists them.
    func testSchemasPinEveryKey() throws {
        let me = "\(getpid())"
        // ps: every key the option table knows (aliases included) gives the full set.
        // (The members follow -o's order, here the table's: compare sorted.)
        let allKeys = psKeyTable.map(\.name).joined(separator: ",")
        let all = try toolboxJSON(["ps", "--json", "-p", me, "-o", allKeys]).rowKeys
        XCTAssertEqual(all.map { $0.sorted() }, [jsonSchemas["ps"]!.sorted()])
        let documented = try toolboxJSON(["ps", "--json", "-p", me, "-o", jsonSchemas["ps"]!.dropLast().joined(separator: ",")]).rowKeys
        XCTAssertEqual(documented, [jsonSchemas["ps"]!], "the documented names are -o keys, and give these members in order")
        // netstat: a listener and a unix socket exist in any test run? Make sure.
        let helper = try spawn("/usr/bin/python3", ["-c", """
            import socket, time
            t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(1)
            x = socket.socket(socket.AF_UNIX); x.bind("\(tmp)/schema.sock"); x.listen(1)
            time.sleep(600) # schema-helper
            """], marker: "schema-helper")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: tmp + "/schema.sock") { usleep(20_000) }
        _ = helper
        for (args, kinds) in [(["netstat", "-tlnx", "--json"], ("netstat inet", "netstat unix")),
                              (["netstat", "-tlnxp", "--json"], ("netstat inet -p", "netstat unix -p"))] {
            let doc = try toolboxJSON(args)
            let inet = doc.rows.indices.filter { doc.rows[$0]["proto"] as? String != "unix" }
            let unix = doc.rows.indices.filter { doc.rows[$0]["proto"] as? String == "unix" }
            XCTAssertFalse(inet.isEmpty); XCTAssertFalse(unix.isEmpty)
            for i in inet { XCTAssertEqual(doc.rowKeys[i], jsonSchemas[kinds.0]!, "\(args)") }
            for i in unix { XCTAssertEqual(doc.rowKeys[i], jsonSchemas[kinds.1]!, "\(args)") }
        }
        XCTAssertEqual(try toolboxJSON(["caps", "--json", "1", me]).rowKeys, [jsonSchemas["caps"]!, jsonSchemas["caps"]!])
        XCTAssertEqual(try toolboxJSON(["caps", "--json", "--decode", "1"]).rowKeys, [jsonSchemas["caps --decode"]!])
        XCTAssertEqual(try toolboxJSON(["ls", "-d", "--json", "/", "/dev/null"]).rowKeys, [jsonSchemas["ls"]!, jsonSchemas["ls"]!])
        XCTAssertEqual(try toolboxJSON(["stat", "--json", "/", "/dev/null"]).rowKeys, [jsonSchemas["stat"]!, jsonSchemas["stat"]!])
        // inspect: the top level and each section, for a process whose parts
        // are readable and for pid 1 (another root, other cgroups).
        for pid in [me, "1"] {
            let doc = try toolboxJSON(["inspect", "--json", "--interval", "0", pid], code: nil)
            let keys = try XCTUnwrap(doc.keys as? [String: [String]])
            XCTAssertEqual(keys[""], jsonSchemas["inspect"]!)
            for s in jsonSchemas["inspect"]!.dropFirst(2) { XCTAssertEqual(keys[s], jsonSchemas["inspect " + s]!, "inspect \(pid) \(s)") }
        }
    }

    // MARK: the writer

    /// Issue 10: one JSON escaper. A `\\u00` control escape written anywhere
    /// but ToolboxCLI/JSON.swift is a second one (the two that existed
    /// disagreed on DEL and `\n`).
    func testOneJSONEscaperInTheSources() throws {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 100)
        var escapers: [String] = []
        for f in files {
            let text = try String(contentsOf: sources.appendingPathComponent(f), encoding: .utf8)
            if text.contains(#"\\u00"#) { escapers.append(f) }
        }
        XCTAssertEqual(escapers, ["ToolboxCLI/JSON.swift"])
    }

    /// The escaper on every byte class, in-process: quotes, backslashes,
    /// controls by name and by number, DEL, C1, valid multi-byte UTF-8 kept,
    /// overlong/surrogate/truncated sequences as \udcXX.
    func testEscaperCoversEveryByteClass() throws {
        let input: [UInt8] = Array("a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}".utf8) + [0xC2, 0x85, 0xC2, 0xA0] + Array("é😀".utf8)
            + [0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xE2, 0x82, 0xFF]
        let o = OutputWriter.memory()
        JSONWriter.escape(input, o)
        o.flush()
        let text = o.capturedString
        XCTAssertEqual(text, #""a\"b\\c\n\r\t\b\f\u0001\u001f\u007f\u0085"# + "\u{A0}é😀"
                       + #"\udcc0\udcaf\udced\udca0\udc80\udcf4\udc90\udc80\udc80\udce2\udc82\udcff""#)
        // Python reads it back to the same bytes.
        let r = try runProcess("/usr/bin/python3", ["-c", "import json,sys; sys.stdout.write(json.loads(sys.stdin.read()).encode('utf-8','surrogateescape').hex())"],
                               stdin: Data(o.captured))
        XCTAssertEqual(r.out, input.map { String(format: "%02x", $0) }.joined())
        // Numbers: fixed decimals and times.
        let n = OutputWriter.memory()
        let w = JSONWriter(n)
        w.beginArray().fixed(1234, decimals: 2).fixed(5, decimals: 1, negative: true).time(seconds: 0, nanoseconds: 5)
            .time(seconds: -1, nanoseconds: 0).time(seconds: Int64.max, nanoseconds: 999_999_999).int(Int64.min).double(.nan).endArray()
        n.flush()
        XCTAssertEqual(n.capturedString, "[12.34,-0.5,0.000000005,-1.000000000,9223372036854775807.999999999,-9223372036854775808,null]")
    }
}
