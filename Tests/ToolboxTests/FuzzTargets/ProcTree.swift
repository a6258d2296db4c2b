import ToolboxCore
@testable import ToolboxProc

/// A small fake /proc with one process (pid 1) and a host /etc, in the fuzz
/// scratch tree: targets overwrite one file with the input, run the applet
/// over the tree (ProcFS rooted there, as the fixture tests do) and put
/// the baseline back.
enum FuzzProcTree {
    static let stat = "1 (app) S 0 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 24 4096000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    static let status = "Name:\tapp\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t1000 \nVmSize:\t    4000 kB\nVmLck:\t       0 kB\nVmRSS:\t    1000 kB\nThreads:\t1\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n"
    static let cmdline = "/app/server\0--port\08080\0"
    static let cgroup = "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n"
    static let passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
    static let group = "root:x:0:\napp:x:1000:\n"
    static let baseline: [(String, String)] = [
        ("proc/1/stat", stat), ("proc/1/status", status), ("proc/1/cmdline", cmdline), ("proc/1/cgroup", cgroup),
        ("proc/uptime", "1000.50 1900.00\n"), ("proc/stat", "cpu  1 2 3 4\nbtime 1700000000\n"),
        ("proc/meminfo", "MemTotal:        8000000 kB\n"),
        ("host/etc/passwd", passwd), ("host/etc/group", group),
        ("rootfs/etc/passwd", passwd), ("rootfs/etc/group", group),
    ]

    nonisolated(unsafe) private static var ready = false

    /// The tree's /proc and host root, created on first use.
    static var paths: (proc: String, host: String) {
        if !ready {
            for d in ["proc/1", "proc/net", "host/etc", "rootfs/etc"] { FuzzScratch.directory(d) }
            for (f, text) in baseline { FuzzScratch.write(f, text) }
            FuzzScratch.symlink("\(FuzzScratch.root)/rootfs", "proc/1/root")
            ready = true
        }
        return ("\(FuzzScratch.root)/proc", "\(FuzzScratch.root)/host")
    }

    /// Writes `input` to `file` (relative to the scratch root), runs `body`,
    /// then restores the baseline content.
    static func with(_ file: String, _ input: Bytes, _ body: (_ proc: String, _ host: String) -> String) -> String {
        let p = paths
        FuzzScratch.write(file, input)
        defer { if let b = baseline.first(where: { $0.0 == file }) { FuzzScratch.write(file, b.1) } }
        return body(p.proc, p.host)
    }
}

/// /proc/PID/stat: PidStat.parse, then `ps -ef` and `ps aux` over a tree
/// whose only process has this stat.
let statFuzzTarget = FuzzTarget(name: "stat", seeds: ["ps/stat"]) { data in
    // The inlined parser must agree with the ByteScanner one it replaced.
    let parsed = PidStat.parse(data)
    if parsed != PidStatReference.parse(data) { fatalError("PidStat.parse differs from PidStatReference.parse") }
    guard let s = parsed else { return "nil" }
    // ps skips a process whose stat does not parse: it runs only on the
    // inputs that do (ps -ef or ps aux, by the input's length).
    let r = "pid=\(s.pid) comm=\(s.comm(in: data).utf8.count) state=\(s.state) ppid=\(s.ppid) rss=\(s.rss) policy=\(s.policy)"
    return r + FuzzProcTree.with("proc/1/stat", data) { proc, host in
        " ps:" + fuzzDispatch(data.count % 2 == 0 ? ["ps", "-ef"] : ["ps", "aux"], procRoot: proc, hostRoot: host)
    }
}

/// /proc/PID/status: PidStatus.parse, ProcessTable's ids/memory line scans,
/// `caps 1` (which prints the parsed status) and `ps -eo ...` over a tree.
let statusFuzzTarget = FuzzTarget(name: "status", seeds: ["status", "caps/proc/7/status", "caps/proc/self/status"]) { data in
    var r = "nil"
    if let s = PidStatus.parse(data) {
        r = "uids=\(s.uids) gids=\(s.gids) groups=\(s.groups.count) eff=\(s.capEffective.map { String($0) } ?? "-") nnp=\(s.noNewPrivs.map { String($0) } ?? "-")"
    }
    var e = ProcessTable.Entry(stat: PidStat(), tgid: 1)
    ProcessTable.ids(data, &e)
    ProcessTable.memory(data, &e)
    r += " ids=\(e.ruid),\(e.euid),\(e.rgid),\(e.egid) rss=\(e.vmRSS) vsz=\(e.vmSize)"
    return r + FuzzProcTree.with("proc/1/status", data) { proc, host in
        " caps:" + fuzzDispatch(["caps", "1"], procRoot: proc, hostRoot: host)
            + " ps:" + fuzzDispatch(["ps", "-eo", "pid,ruser,euser,rss,vsz,stat,comm"], procRoot: proc, hostRoot: host)
    }
}

/// /proc/PID/cmdline: `ps -ef` (args column) and `ps aux --forest`.
let cmdlineFuzzTarget = FuzzTarget(name: "cmdline", seeds: []) { data in
    FuzzProcTree.with("proc/1/cmdline", data) { proc, host in
        "ps-ef:" + fuzzDispatch(["ps", "-ef"], procRoot: proc, hostRoot: host)
            + " forest:" + fuzzDispatch(["ps", "aux", "--forest"], procRoot: proc, hostRoot: host)
            + " json:" + fuzzDispatch(["ps", "-eo", "pid,args", "--json"], procRoot: proc, hostRoot: host)
    }
}

/// /proc/PID/cgroup: ContainerRef.parse and `ps --containers`.
let cgroupFuzzTarget = FuzzTarget(name: "cgroup", seeds: ["ps/cgroup"]) { data in
    var r = "nil"
    if let c = ContainerRef.parse(data) { r = "\(c.runtime.rawValue) \(c.id) \(c.podUID ?? "-")" }
    return r + FuzzProcTree.with("proc/1/cgroup", data) { proc, host in
        " containers:" + fuzzDispatch(["ps", "--containers"], procRoot: proc, hostRoot: host)
    }
}

/// /etc/passwd and /etc/group: IDNames, and `caps 1`, which names the
/// process's ids from the host's files.
let passwdFuzzTarget = FuzzTarget(name: "passwd", seeds: ["caps/host/etc"]) { data in
    let names = IDNames(parsing: data)
    var r = "entries=\(names.names.count) root=\(names.name(0) ?? "-") 1000=\(names.display(1000))"
    if let first = names.names.keys.min(), let n = names.name(first) { r += " first=\(first):\(names.id(n).map { String($0) } ?? "-")" }
    _ = FuzzProcTree.paths
    FuzzScratch.write("host/etc/group", data)
    defer { FuzzScratch.write("host/etc/group", FuzzProcTree.group) }
    return r + FuzzProcTree.with("host/etc/passwd", data) { proc, host in
        " caps:" + fuzzDispatch(["caps", "1"], procRoot: proc, hostRoot: host)
    }
}
