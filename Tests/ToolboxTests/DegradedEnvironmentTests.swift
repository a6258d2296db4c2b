import Foundation
import ToolboxCore
import XCTest

/// toolbox in the environments a debug container may give it, each with the
/// exact message or fallback asserted: /proc with hidepid=2, netlink refused
/// by seccomp, no /etc/passwd or /etc/group, a read-only root, no /tmp,
/// RLIMIT_NOFILE 16, a 4 MiB memory cgroup, a target that exits between
/// open and read, a zombie target, a target whose root directory was
/// deleted. Each case runs the release binary in its own mount (or network)
/// namespace made by unshare(1), as root. See docs/reliability.md.
final class DegradedEnvironmentTests: XCTestCase {
    var tb = ""
    var work = ""

    override func setUpWithError() throws {
        tb = try toolboxBinary()
        work = "/dev/shm/toolbox-degraded-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // A copy beside the work folder: testNoTmp hides /tmp, where a
        // checkout (and so .build/release/toolbox) may live.
        try FileManager.default.copyItem(atPath: tb, toPath: work + "/toolbox")
        tb = work + "/toolbox"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// Runs `script` with sh; $TB is the toolbox binary, $W the work folder.
    func sh(_ script: String, tz: Bool = false) throws -> RunResult {
        var env = ProcessInfo.processInfo.environment
        env["TB"] = tb; env["W"] = work; env["LC_ALL"] = "C"
        if tz { env["TZ"] = "UTC0" }
        return try runProcess("/bin/sh", ["-c", script], environment: env)
    }

    /// `unshare -m`: the script's mounts are private to it.
    func inMountNamespace(_ script: String, tz: Bool = false) throws -> RunResult {
        try sh("exec unshare -m --propagation private sh -c '\(script)'", tz: tz)
    }

    func testProcWithHidepid2() throws {
        _ = try which("setpriv")
        // As uid 1000 under hidepid=2, only uid 1000's processes exist.
        let asUser = "mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid 1000 --regid 1000 --clear-groups"
        let ps = try inMountNamespace("\(asUser) $TB ps -e -o uid=,comm=")
        XCTAssertEqual(ps.code, 0); XCTAssertEqual(ps.err, "")
        let rows = ps.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertTrue(rows.contains { $0.last == "toolbox" }, ps.out)
        for r in rows { XCTAssertEqual(r.first, "1000", ps.out) }
        // pid 1 is hidden: a process that does not exist, as caps says it.
        let caps = try inMountNamespace("\(asUser) $TB caps 1")
        XCTAssertEqual(caps, RunResult(out: "", err: "caps: 1: no such process\n", code: 1))
        // -p cannot see other users' /proc/PID/fd: owners print "-", no error.
        // Other uid-1000 processes on the machine (a podman container's app,
        // with capabilities setpriv cleared here) may be visible; their fds
        // are refused, which is netstat's one documented note, never more.
        let net = try inMountNamespace("\(asUser) $TB netstat -tanp")
        XCTAssertEqual(net.code, 0)
        let noteLines = net.err.split(separator: "\n").filter { !$0.hasPrefix("netstat: cannot read /proc/PID/fd of ") }
        XCTAssertEqual(noteLines, [], net.err)
        XCTAssertTrue(net.out.hasPrefix("Active Internet connections (servers and established)\n"), net.out)
    }

    /// A seccomp filter refusing socket(AF_NETLINK) (Tests/Fixtures/degraded/no-netlink.c),
    /// in a network namespace holding one listener: netstat falls back to
    /// /proc/net silently (a note with -v), with net-tools' exact output.
    func testNetlinkRefusedBySeccomp() throws {
        _ = try which("gcc"); _ = try which("netstat"); _ = try which("python3")
        let build = try sh("gcc -O -o $W/no-netlink '\(fixturePath("degraded/no-netlink.c"))'")
        XCTAssertEqual(build.code, 0, build.err)
        try "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 7777))\ns.listen()\ntime.sleep(20)\n"
            .write(toFile: work + "/listen.py", atomically: false, encoding: .utf8)
        // Port 7777 is 1E61: wait (at most 10 s) until the listener is in the table.
        let setup = "ip link set lo up && (python3 $W/listen.py </dev/null >/dev/null 2>&1 &) && i=0 && until grep -q 0100007F:1E61 /proc/net/tcp || [ $i = 200 ]; do i=$((i+1)); sleep 0.05; done"
        let ours = try sh("exec unshare -n sh -c '\(setup) && $W/no-netlink $TB netstat -tanv'")
        let theirs = try sh("exec unshare -n sh -c '\(setup) && netstat -tan'")
        XCTAssertEqual(ours.out, theirs.out)
        XCTAssertEqual(ours.out, """
            Active Internet connections (servers and established)
            Proto Recv-Q Send-Q Local Address           Foreign Address         State      
            tcp        0      0 127.0.0.1:7777          0.0.0.0:*               LISTEN     

            """)
        XCTAssertEqual(ours.err, "netstat: netlink not available (Operation not permitted); read /proc/net\nnetstat: from /proc/net: tcp tcp6\n")
        XCTAssertEqual(ours.code, 0)
        // Without -v: silent. Forced to netlink: the refusal is the error.
        let quiet = try sh("$W/no-netlink $TB netstat -tan >/dev/null")
        XCTAssertEqual(quiet, RunResult(out: "", err: "", code: 0))
        let forced = try sh("$W/no-netlink $TB netstat -tan --source=netlink")
        XCTAssertEqual(forced.err, "netstat: netlink: Operation not permitted\n")
        XCTAssertEqual(forced.code, 1)
    }

    /// /etc empty (a tmpfs over it): ids print as numbers, nothing fails.
    func testNoPasswdOrGroup() throws {
        let ps = try inMountNamespace("mount -t tmpfs none /etc && $TB ps -o user,group,comm -p $$")
        XCTAssertEqual(ps, RunResult(out: "USER     GROUP    COMMAND\n0        0        sh\n", err: "", code: 0))
        let caps = try inMountNamespace("mount -t tmpfs none /etc && $TB caps $$")
        XCTAssertEqual(caps.code, 0); XCTAssertEqual(caps.err, "")
        XCTAssertTrue(caps.out.contains("  uid:        0\n  gid:        0\n"), caps.out)
        // tar -tv shows the archive's own names, -tv --numeric-owner the ids.
        XCTAssertEqual(try sh("mkdir -p $W/s && printf x > $W/s/f && touch -d 2020-01-01T00:00:00 $W/s/f && tar --owner=app:4242 --group=grp:4343 -C $W/s -cf $W/a.tar f").code, 0)
        let list = "mount -t tmpfs none /etc && $T -tvf $W/a.tar && $T -tvf $W/a.tar --numeric-owner"
        let tar = try inMountNamespace(list.replacingOccurrences(of: "$T", with: "$TB tar"), tz: true)
        let gnu = try inMountNamespace(list.replacingOccurrences(of: "$T", with: "tar"), tz: true)
        XCTAssertEqual(tar, gnu)
        XCTAssertEqual(tar.out, "-rw-r--r-- app/grp           1 2020-01-01 00:00 f\n-rw-r--r-- 4242/4343         1 2020-01-01 00:00 f\n")
    }

    /// A read-only root: reading applets work; extraction fails with GNU
    /// tar's exact messages (exit 1 where GNU tar exits 2, see docs/tar.md).
    func testReadOnlyRoot() throws {
        XCTAssertEqual(try sh("mkdir -p $W/s && printf hi > $W/s/f && tar -C $W/s -cf $W/a.tar f").code, 0)
        let ro = "mount --make-rprivate / && mount -o remount,bind,ro / && cd /usr"
        XCTAssertEqual(try inMountNamespace("\(ro) && $TB ps -ef >/dev/null && $TB netstat -tan >/dev/null && $TB ls -l / >/dev/null"),
                       RunResult(out: "", err: "", code: 0))
        let ours = try inMountNamespace("\(ro) && exec $TB tar -xf $W/a.tar -C /usr")
        let gnu = try inMountNamespace("\(ro) && exec tar -xf $W/a.tar -C /usr")
        XCTAssertEqual(ours.err, "tar: f: Cannot open: Read-only file system\ntar: Exiting with failure status due to previous errors\n")
        XCTAssertEqual(ours.err, gnu.err)
        XCTAssertEqual(ours.code, 1)
        XCTAssertEqual(gnu.code, 2)
    }

    /// /tmp unusable (a read-only, mode 000 tmpfs) and no TMPDIR: toolbox
    /// never needs a temporary file.
    func testNoTmp() throws {
        XCTAssertEqual(try sh("mkdir -p $W/s && printf hi > $W/s/f && touch -d 2020-01-01T00:00:00 $W/s/f").code, 0)
        let r = try inMountNamespace("mount -t tmpfs -o ro,mode=000 none /tmp && unset TMPDIR && $TB ps -ef >/dev/null && $TB netstat -tan >/dev/null && $TB ls /tmp && $TB tar -cf - -C $W/s f | $TB tar -tv --numeric-owner", tz: true)
        let gnu = try sh("tar -cf - -C $W/s f | tar -tv --numeric-owner", tz: true)
        XCTAssertEqual(r, RunResult(out: gnu.out, err: "", code: 0))
        XCTAssertEqual(gnu.out, "-rw-r--r-- 0/0               2 2020-01-01 00:00 f\n")
    }

    /// RLIMIT_NOFILE 16: ps, netstat -p and ls -R work. ls -R compared with
    /// GNU ls -R under the same limit, on a tree 8 levels deep. (Deeper trees
    /// fail: ls -R, find and tar -c keep a descriptor per level; see
    /// docs/reliability.md, "Known limits".)
    func testSixteenFileDescriptors() throws {
        _ = try which("prlimit")
        XCTAssertEqual(try sh("mkdir -p $W/t/a/b/c/d/e/f/g/h && touch $W/t/x $W/t/a/y $W/t/a/b/c/d/e/f/g/h/z").code, 0)
        for cmd in ["ps -ef", "ps aux --forest", "netstat -tanp", "caps"] {
            let r = try sh("prlimit --nofile=16 $TB \(cmd) >/dev/null")
            XCTAssertEqual(r, RunResult(out: "", err: "", code: 0), cmd)
        }
        let ours = try sh("cd $W && prlimit --nofile=16 $TB ls -R t")
        let gnu = try sh("cd $W && prlimit --nofile=16 ls -R t")
        XCTAssertEqual(ours.out, gnu.out)
        XCTAssertEqual(ours.err, ""); XCTAssertEqual(ours.code, 0)
    }

    /// A 4 MiB memory cgroup (v1 memory controller on this hybrid machine,
    /// else v2): the applets run within it.
    func testFourMiBMemoryCgroup() throws {
        let v1 = "/sys/fs/cgroup/memory", v2 = "/sys/fs/cgroup/unified"
        let (base, limitFile) = FileManager.default.fileExists(atPath: v1 + "/memory.limit_in_bytes")
            ? (v1, "memory.limit_in_bytes") : (v2, "memory.max")
        let cg = "\(base)/toolbox-degraded-\(getpid())"
        XCTAssertEqual(mkdir(cg, 0o755), 0, "\(cg): \(Errno.current)")
        defer { rmdir(cg) }
        try "4194304".write(toFile: "\(cg)/\(limitFile)", atomically: false, encoding: .utf8)
        XCTAssertEqual(try String(contentsOfFile: "\(cg)/\(limitFile)", encoding: .utf8), "4194304\n")
        for cmd in ["ps -ef", "ps aux --forest", "netstat -tanp", "ls -lR /usr/share/doc", "tar -cf /dev/null -C /usr/share doc", "find /usr/share/doc"] {
            let r = try sh("echo $$ > \(cg)/cgroup.procs && exec $TB \(cmd) >/dev/null")
            XCTAssertEqual(r, RunResult(out: "", err: "", code: 0), cmd)
        }
    }

    /// No /proc at all: an empty read-only tmpfs over /proc in a new mount
    /// namespace (a chroot or a container started without procfs). What
    /// needs no /proc works; every applet that reads processes (or /proc/net
    /// files, or -p's owners) exits 1 with one line saying procfs is absent.
    func testNoProcAtAll() throws {
        let noProc = "mount -t tmpfs -o size=64k,mode=555,ro none /proc && "
        try "hello\n".write(toFile: work + "/f", atomically: false, encoding: .utf8)
        let works: [(String, String)] = [
            ("$TB --version", "toolbox 0.1.0\n"),
            ("$TB ls $W/f", work + "/f\n"),
            ("$TB cat $W/f", "hello\n"),
            ("$TB echo a b", "a b\n"),
            ("$TB sh -c \"echo \\$((6*7))\"", "42\n"),
        ]
        for (cmd, want) in works {
            XCTAssertEqual(try inMountNamespace(noProc + cmd), RunResult(out: want, err: "", code: 0), cmd)
        }
        let list = try inMountNamespace(noProc + "$TB --list")
        XCTAssertEqual(list.code, 0); XCTAssertEqual(list.err, "")
        XCTAssertEqual(list.out, try runProcess(tb, ["--list"]).out)
        // netlink needs no /proc: the socket table is still there.
        let net = try inMountNamespace(noProc + "$TB netstat -tan")
        XCTAssertEqual(net.code, 0); XCTAssertEqual(net.err, "")
        XCTAssertTrue(net.out.hasPrefix("Active Internet connections (servers and established)\n"), net.out)
        let line = ": /proc: no process information: procfs is not mounted (mount -t proc proc /proc)\n"
        let fails: [(String, Int32)] = [
            ("ps -ef", 1), ("ps aux --forest", 1), ("caps", 1), ("caps 1", 1), ("top -b -n1", 1), ("inspect 1", 1),
            ("lsof", 1), ("pmap 1", 1), ("pwdx 1", 1), ("lsns", 1), ("pidof sh", 1), ("pgrep sh", 3), ("free", 1),
            ("uptime", 1), ("netstat -tanp", 1), ("netstat -tan --source=proc", 1), ("netstat -rn", 1),
        ]
        for (cmd, code) in fails {
            let applet = String(cmd.split(separator: " ")[0])
            XCTAssertEqual(try inMountNamespace(noProc + "$TB " + cmd), RunResult(out: "", err: applet + line, code: code), cmd)
        }
    }

    /// The target exits between the open and the read of its status (strace
    /// delays every read by 0.8 s; the target is killed after 0.3 s).
    func testTargetExitsBetweenOpenAndRead() throws {
        _ = try which("strace")
        let r = try sh("sleep 30 & P=$!; echo $P; (sleep 0.3; kill $P) & strace -o /dev/null -e trace=read -e inject=read:delay_enter=800000 $TB caps $P")
        let pid = r.out.split(separator: "\n").first.map(String.init) ?? "?"
        XCTAssertEqual(r.err, "caps: \(pid): no such process\n")
        XCTAssertEqual(r.code, 1)
    }

    /// The target's pid is reused between two reads: caps reads the status
    /// of P (a root `sleep`), strace holds that read's return 3 s, meanwhile
    /// P is killed and reaped and, in a new pid namespace whose ns_last_pid
    /// is set to P-1, a process chrooted into a tree whose /etc/passwd names
    /// uid 0 "impostor" takes pid P. caps then reads the names from P's root:
    /// it printed the old status with the new root's names (`uid: 0(impostor)`)
    /// before it compared /proc/P/stat's start time before and after.
    func testPidReusedBetweenTwoReads() throws {
        _ = try which("strace"); _ = try which("busybox")
        let script = """
            mkdir -p $W/r/etc && printf "impostor:x:0:0::/:/x\\n" > $W/r/etc/passwd && cp "$(command -v busybox)" $W/r/ &&
            strace -o $W/cal -e trace=read $TB caps 1 > /dev/null &&
            K=$(grep -n "^read([0-9]*, \\"Name:" $W/cal | head -1 | cut -d: -f1) &&
            { (sleep 30 & echo $! > $W/p; wait) & } &&
            until [ -s $W/p ]; do :; done && P=$(cat $W/p) &&
            { (sleep 1.5; kill $P; while [ -e /proc/$P ]; do :; done; echo $((P-1)) > /proc/sys/kernel/ns_last_pid;
               chroot --userspec=1000:1000 $W/r /busybox sleep 30 & echo $! > $W/new) & } &&
            strace -o /dev/null -e trace=read -e inject=read:delay_exit=3000000:when=$K $TB caps $P;
            echo "rc $? old $P new $(cat $W/new) read $K"
            """
        let r = try sh("exec unshare -p -f --mount-proc sh -c '\(script)'")
        // The new process took the old one's pid (else the case did not happen).
        let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
        let f = last.split(separator: " ")
        XCTAssertEqual(f.count, 8, r.out)
        guard f.count == 8 else { return }
        XCTAssertEqual(f[3], f[5], "pid not reused: \(last)")
        XCTAssertEqual(r.out, "rc 1 old \(f[3]) new \(f[3]) read \(f[7])\n")
        XCTAssertEqual(r.err, "caps: \(f[3]): no such process\n")
    }

    /// A zombie (exited, not reaped): ps shows it as procps does.
    func testZombieTarget() throws {
        _ = try which("ps")
        let script = "sh -c \"sleep 0 & exec sleep 30\" & S=$!; Z=; "
            + "i=0; until [ -n \"$Z\" ] && grep -q \"^State:.Z\" /proc/$Z/status || [ $i = 400 ]; do i=$((i+1)); sleep 0.05; read Z < /proc/$S/task/$S/children; done; "
            + "ps -o pid,stat,comm,args -p $Z; echo ---; $TB ps -o pid,stat,comm,args -p $Z; echo ---; $TB caps $Z | head -1; kill $S"
        let r = try sh(script)
        let parts = r.out.components(separatedBy: "---\n")
        XCTAssertEqual(parts.count, 3, r.out)
        XCTAssertEqual(parts[0], parts[1])
        XCTAssertTrue(parts[1].hasSuffix(" Z    sleep           [sleep] <defunct>\n"), parts[1])
        XCTAssertTrue(parts[2].hasSuffix(" (sleep):\n"), parts[2])
        XCTAssertEqual(r.err, "")
    }

    /// A process chrooted into a directory that was then deleted: its
    /// /proc/PID/root lists as empty (getdents64 says ENOENT for a dead
    /// directory; GNU ls prints "total 0"), stat works, names fall back to ids.
    func testRootIsADeletedDirectory() throws {
        _ = try which("busybox")
        let script = "mkdir $W/root && cp \"$(command -v busybox)\" $W/root/ && { chroot $W/root /busybox sleep 30 & P=$!; } && "
            + "i=0; until [ \"$(readlink /proc/$P/exe)\" = $W/root/busybox ] || [ $i = 400 ]; do i=$((i+1)); sleep 0.05; done; rm $W/root/busybox && rmdir $W/root && "
            + "ls -la /proc/$P/root/; echo \"gnu $?\"; $TB ls -la /proc/$P/root/; echo \"ours $?\"; $TB ps -o user,group,comm -p $P; kill $P"
        let r = try sh(script)
        XCTAssertEqual(r.out, "total 0\ngnu 0\ntotal 0\nours 0\nUSER     GROUP    COMMAND\n0        0        busybox\n")
        XCTAssertEqual(r.err, "")
    }

    /// A container whose /etc/passwd is a FIFO (no writer) and whose
    /// /etc/group is a character device: ps must neither block nor read
    /// forever (the churn run caught `ps aux --forest` blocked 12 minutes in
    /// open(2) of such a FIFO). Files a container chose must be regular:
    /// these are refused, so ids print as numbers (`--verbose` says why).
    func testRootWithFifoPasswd() throws {
        _ = try which("busybox")
        let script = "mkdir -p $W/r/etc && mkfifo $W/r/etc/passwd && mknod $W/r/etc/group c 1 5 && cp \"$(command -v busybox)\" $W/r/ && "
            + "{ chroot $W/r /busybox sleep 30 & P=$!; } && "
            + "i=0; until [ \"$(readlink /proc/$P/exe)\" = $W/r/busybox ] || [ $i = 400 ]; do i=$((i+1)); sleep 0.05; done; "
            + "timeout -s KILL 20 $TB ps -o user,group,comm -p $P; echo \"rc $?\"; kill $P"
        let r = try sh(script)
        XCTAssertEqual(r.out, "USER     GROUP    COMMAND\n0        0        busybox\nrc 0\n")
        XCTAssertEqual(r.err, "")
    }
}
