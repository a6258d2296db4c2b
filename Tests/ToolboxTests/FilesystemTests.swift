import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

/// A target "container": a process running as uid 1000 in its own mount and
/// pid namespaces, chrooted into a small rootfs built here (static busybox
/// for `sleep`, its own /etc/passwd naming uid 1000 `appuser`, absolute and
/// relative symlinks, `..` escapes, a link through /proc/self/root, a
/// root-only file). The debugger is the release binary, run as root with
/// capabilities removed by setpriv.
final class FilesystemLiveTests: XCTestCase {
    nonisolated(unsafe) static var base = ""
    nonisolated(unsafe) static var rootfs = ""
    nonisolated(unsafe) static var unshare: Process?
    nonisolated(unsafe) static var targetPID: Int32 = 0
    nonisolated(unsafe) static var setupError: String?

    var R: String { Self.rootfs }
    var pid: Int32 { Self.targetPID }
    var proot: String { "/proc/\(Self.targetPID)/root" }

    override class func setUp() {
        super.setUp()
        do { try startTarget() } catch { setupError = "\(error)" }
    }

    override class func tearDown() {
        if targetPID > 0 { kill(targetPID, SIGKILL) }
        unshare?.waitUntilExit()
        if !base.isEmpty { try? FileManager.default.removeItem(atPath: base) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.setupError { XCTFail("could not start the target: \(e)"); throw CocoaError(.featureUnsupported) }
    }

    static func write(_ path: String, _ text: String, mode: Int = 0o644, owner: (UInt32, UInt32) = (0, 0)) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chown(path, owner.0, owner.1)   // before chmod: chown clears setuid
        chmod(path, mode_t(mode))
    }

    static func startTarget() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-fs-\(getpid())").path
        rootfs = base + "/root"
        let r = rootfs
        let fm = FileManager.default
        for d in ["bin", "etc/ssl/certs", "app/data/sub", "app/.hidden", "proc", "secret", "tmp"] {
            try fm.createDirectory(atPath: "\(r)/\(d)", withIntermediateDirectories: true)
        }
        // Outside the root, files an escape would reach.
        try fm.createDirectory(atPath: "\(base)/etc", withIntermediateDirectories: true)
        try write("\(base)/etc/passwd", "OUTSIDE\n")
        try fm.copyItem(atPath: try which("busybox"), toPath: "\(r)/bin/busybox")
        try write("\(r)/etc/passwd", "root:x:0:0:root:/:/bin/sh\nappuser:x:1000:1000:app:/app:/bin/sh\n")
        try write("\(r)/etc/group", "root:x:0:\nappgroup:x:1000:\n")
        try write("\(r)/etc/ssl/certs/ca.pem", "CONTAINER CA\n")
        try write("\(r)/app/config.yaml", "listen: 8080\n", owner: (1000, 1000))
        try write("\(r)/app/data/sub/deep.txt", String(repeating: "x", count: 5000), owner: (1000, 1000))
        try write("\(r)/app/.hidden/h", "h\n", owner: (1000, 1000))
        try write("\(r)/app/run.sh", "#!/bin/sh\n", mode: 0o4755)
        try write("\(r)/secret/key", "topsecret\n", mode: 0o600)
        chmod("\(r)/secret", 0o700)
        chmod("\(r)/tmp", 0o1777)
        chown("\(r)/app", 1000, 1000); chown("\(r)/app/data", 1000, 1000)
        let links: [(String, String)] = [
            ("etc/ssl/cert.pem", "/etc/ssl/certs/ca.pem"),       // absolute: must stay inside
            ("app/passwd-up", "../../../../../../etc/passwd"),  // .. escape attempt
            ("app/root-link", "/"),
            ("app/via-proc", "/proc/self/root/etc/passwd"),     // magic link attempt
            ("app/cert", "../etc/ssl/cert.pem"),                // relative, then absolute
            ("app/dangling", "/nonexistent"),
            ("app/only-inside", "/app/run.sh"),                 // exists only in the container
        ]
        for (l, t) in links {
            guard symlink(t, "\(r)/\(l)") == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        // Old and recent dates for the ls date formats.
        try sh("touch -h -d '2020-03-04 05:06:07' \(r)/app/config.yaml \(r)/etc/ssl/cert.pem")
        let (process, pid) = try startContainerTarget(rootfs: r, workdir: "/app/data")
        unshare = process; targetPID = pid
    }

    /// The toolbox binary as root: .full (all caps), .noPtrace, .noPtraceNoSetid.
    enum Caps { case full, noPtrace, noPtraceNoSetid }

    func toolbox(_ caps: Caps, _ args: [String], env: [String: String]? = nil) throws -> RunResult {
        let bin = try toolboxBinary()
        switch caps {
        case .full: return try runProcess(bin, args, environment: env)
        case .noPtrace:
            return try runProcess(try which("setpriv"), ["--inh-caps=-all", "--bounding-set=-sys_ptrace", bin] + args, environment: env)
        case .noPtraceNoSetid:
            return try runProcess(try which("setpriv"), ["--inh-caps=-all", "--bounding-set=-sys_ptrace,-setuid,-setgid", bin] + args, environment: env)
        }
    }

    /// `caps PID` names the target's ids from the target's own /etc/passwd,
    /// also without cap_sys_ptrace (borrowed identity); with no way in, numbers only.
    func testCapsNamesFromTheTargetRoot() throws {
        for caps in [Caps.full, .noPtrace] {
            let r = try toolbox(caps, ["caps", String(pid)])
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssertTrue(r.out.hasPrefix("pid \(pid) (busybox):\n  uid:        1000(appuser)\n  gid:        1000(appgroup)\n"), "\(caps): \(r.out)")
        }
        let r = try toolbox(.noPtraceNoSetid, ["caps", String(pid)])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("pid \(pid) (busybox):\n  uid:        1000\n  gid:        1000\n"), r.out)
    }

    /// Dropping cap_sys_ptrace really makes another uid's root unreadable here
    /// (GNU ls is refused), so the borrowed path below is what makes it work.
    func testWithoutPtraceTheKernelRefusesDirectAccess() throws {
        let r = try runProcess(try which("setpriv"), ["--inh-caps=-all", "--bounding-set=-sys_ptrace", try which("ls"), proot + "/"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.err.hasSuffix("ls: cannot access '\(proot)/': Permission denied\n"), r.err)
    }

    /// (a) with cap_sys_ptrace: direct access, the container's names, links confined.
    func testWithPtraceDirect() throws {
        let r = try toolbox(.full, ["ls", "-la", "--verbose", proot + "/app"], env: ["TZ": "UTC"])
        XCTAssertEqual(r.err, "ls: \(proot): access: direct (this process may read it)\n")
        XCTAssertEqual(r.code, 0)
        // Field for field GNU ls -ln on the same directory, with owner and group
        // named by the container's /etc/passwd and /etc/group (the host names uid 1000 otherwise).
        let gnu = try runProcess(try which("ls"), ["-lan", R + "/app"], environment: ["LC_ALL": "C", "TZ": "UTC"])
        let users = ["0": "root", "1000": "appuser"], groups = ["0": "root", "1000": "appgroup"]
        let tl = r.out.split(separator: "\n"), gl = gnu.out.split(separator: "\n")
        XCTAssertEqual(tl.count, gl.count)
        for (t, g) in zip(tl, gl) {
            var gf = g.split(separator: " ").map(String.init)
            if gf.count > 4 { gf[2] = users[gf[2]] ?? gf[2]; gf[3] = groups[gf[3]] ?? gf[3] }
            XCTAssertEqual(t.split(separator: " ").map(String.init), gf)
        }
        XCTAssertTrue(r.out.contains("drwxr-xr-x 3 appuser appgroup 4096 "), r.out)
        XCTAssertTrue(r.out.contains(" 13 Mar  4  2020 config.yaml\n"), r.out)
        XCTAssertTrue(r.out.contains("-rwsr-xr-x 1 root    root       10 "), r.out)
        XCTAssertTrue(r.out.contains(" cert -> ../etc/ssl/cert.pem\n"), r.out)
        // -F types a link's target as resolved inside the container (run.sh is
        // executable there; /app/run.sh does not exist on the host).
        let f = try toolbox(.full, ["ls", "-lF", proot + "/app"])
        XCTAssertTrue(f.out.contains(" only-inside -> /app/run.sh*\n"), f.out)
        XCTAssertTrue(f.out.contains(" root-link -> //\n"), f.out)
        XCTAssertTrue(f.out.contains(" data/\n"), f.out)
        // -L and colours follow links inside the container too.
        let l = try toolbox(.full, ["ls", "-LF", proot + "/app"])
        XCTAssertTrue(l.out.contains("\nonly-inside*\n"), l.out)
        let c = try toolbox(.full, ["ls", "--color=always", "-l", proot + "/app"], env: ["LS_COLORS": "ex=32:or=31:ln=target"])
        // (run.sh is setuid inside: GNU's su colour, for the link too with ln=target)
        XCTAssertTrue(c.out.contains(" \u{1b}[37;41monly-inside\u{1b}[0m -> \u{1b}[37;41m/app/run.sh\u{1b}[0m\n"), c.out)
        try checkConfinedReads(.full)
    }

    /// (b) without cap_sys_ptrace: the identity is borrowed in a child; this
    /// process stays root, so the root-only file is still readable.
    func testWithoutPtraceBorrowsTheTargetUID() throws {
        let r = try toolbox(.noPtrace, ["cat", "--verbose", proot + "/secret/key"])
        XCTAssertEqual(r.out, "topsecret\n")
        XCTAssertEqual(r.err, "cat: \(proot): access: borrowed uid 1000 (a child took uid 1000 gid 1000 to open it; this process keeps its own identity)\n")
        XCTAssertEqual(r.code, 0)
        let ls = try toolbox(.noPtrace, ["ls", "-ln", proot + "/secret"])
        let gnu = try runProcess(try which("ls"), ["-ln", R + "/secret"], environment: ["LC_ALL": "C"])
        XCTAssertEqual(ls.out, gnu.out)
        XCTAssertTrue(ls.out.contains("-rw------- 1 0 0 10 "), ls.out)
        try checkConfinedReads(.noPtrace)
    }

    /// (c) no cap_sys_ptrace, cap_setuid or cap_setgid: the explanation, exit 1.
    func testWithoutAnyWayTheErrorExplainsTheFix() throws {
        for applet in [["ls"], ["cat"], ["stat"], ["find"], ["readlink", "-f"]] {
            let r = try toolbox(.noPtraceNoSetid, applet + [proot + "/etc/passwd"])
            XCTAssertEqual(r.out, "")
            XCTAssertEqual(r.err, "\(applet[0]): \(proot): permission denied: process \(pid) runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace and without cap_setuid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as uid 1000\n")
            XCTAssertEqual(r.code, 1, applet[0])
        }
    }

    /// The borrowed-identity helpers in-process (this test process has
    /// cap_sys_ptrace, so the direct answers are the reference): the child
    /// running as uid 1000 gets the same root directory and the same fd
    /// links; as another uid it is refused.
    func testBorrowedEntriesMatchDirectOnes() throws {
        let direct = try FileDescriptor.open(proot, O_PATH | O_DIRECTORY)
        defer { direct.close() }
        let borrowed = try borrowOpen(dir: .currentDirectory, name: proot, flags: O_PATH | O_DIRECTORY, uid: 1000, gid: 1000)
        defer { borrowed.close() }
        let (a, b) = (try direct.stat(), try borrowed.stat())
        XCTAssertEqual([UInt64(a.st_dev), UInt64(a.st_ino)], [UInt64(b.st_dev), UInt64(b.st_ino)])
        XCTAssertEqual(String(decoding: try readFileInRoot(borrowed, "/etc/ssl/cert.pem"), as: UTF8.self), "CONTAINER CA\n")
        XCTAssertThrowsError(try borrowOpen(dir: .currentDirectory, name: proot, flags: O_PATH | O_DIRECTORY, uid: 1001, gid: 1001)) {
            XCTAssertEqual($0 as? Errno, Errno(EACCES))
        }

        let (links, way) = try procFDLinks(pid: pid)
        XCTAssertEqual(way, .direct)
        XCTAssertFalse(links.isEmpty)
        let viaChild = try borrowedFDLinks(pid: pid, uid: 1000, gid: 1000)
        XCTAssertEqual(viaChild.map { "\($0.fd) \($0.target)" }, links.map { "\($0.fd) \($0.target)" })
        XCTAssertThrowsError(try borrowedFDLinks(pid: pid, uid: 1001, gid: 1001)) {
            XCTAssertEqual($0 as? Errno, Errno(EACCES))
        }
    }

    /// Symlinks, `..` and magic links resolve inside the container, with
    /// openat2 and with the userspace walk forced (same answers).
    func checkConfinedReads(_ caps: Caps, file: StaticString = #filePath, line: UInt = #line) throws {
        for env in [nil, ["TOOLBOX_CONFINED_WALK": "userspace"]] {
            let what = "\(caps) \(env == nil ? "openat2" : "userspace walk")"
            var r = try toolbox(caps, ["cat", proot + "/etc/ssl/cert.pem", proot + "/app/cert", proot + "/app/root-link/etc/ssl/certs/ca.pem"], env: env)
            XCTAssertEqual(r.out, "CONTAINER CA\nCONTAINER CA\nCONTAINER CA\n", what, file: file, line: line)
            r = try toolbox(caps, ["cat", proot + "/app/passwd-up", proot + "/app/../../../../etc/passwd"], env: env)
            XCTAssertEqual(r.out, String(repeating: "root:x:0:0:root:/:/bin/sh\nappuser:x:1000:1000:app:/app:/bin/sh\n", count: 2), what, file: file, line: line)
            XCTAssertEqual(r.code, 0, what, file: file, line: line)
            // /proc/self inside the container's procfs does not name this process: ENOENT, never the host's file.
            r = try toolbox(caps, ["cat", proot + "/app/via-proc"], env: env)
            XCTAssertEqual(r.err, "cat: \(proot)/app/via-proc: No such file or directory\n", what, file: file, line: line)
            XCTAssertEqual(r.code, 1, what, file: file, line: line)
            // The container's own /proc/1/root is a magic link: refused.
            // (openat2 checks ptrace access before RESOLVE_NO_MAGICLINKS: EACCES without
            // cap_sys_ptrace; the userspace walk refuses every magic link with ELOOP.)
            r = try toolbox(caps, ["cat", proot + "/proc/1/root/etc/passwd"], env: env)
            let refusal = caps == .noPtrace && env == nil ? "Permission denied" : "Too many levels of symbolic links"
            XCTAssertEqual(r.err, "cat: \(proot)/proc/1/root/etc/passwd: \(refusal)\n", what, file: file, line: line)
            XCTAssertEqual(r.out, "", what, file: file, line: line)
            r = try toolbox(caps, ["readlink", "-f", proot + "/app/cert", proot + "/app/passwd-up", proot + "/app/root-link", proot + "/app/dangling"], env: env)
            XCTAssertEqual(r.out, "\(proot)/etc/ssl/certs/ca.pem\n\(proot)/etc/passwd\n\(proot)\n\(proot)/nonexistent\n", what, file: file, line: line)
            r = try toolbox(caps, ["readlink", proot + "/etc/ssl/cert.pem"], env: env)
            XCTAssertEqual(r.out, "/etc/ssl/certs/ca.pem\n", what, file: file, line: line)
            // /proc/PID/cwd (/app/data): resolved in the container's root too.
            let cwd = "/proc/\(pid)/cwd"
            r = try toolbox(caps, ["cat", cwd + "/../../etc/ssl/cert.pem", cwd + "/../cert"], env: env)
            XCTAssertEqual(r.out, "CONTAINER CA\nCONTAINER CA\n", what, file: file, line: line)
            r = try toolbox(caps, ["readlink", "-f", cwd, cwd + "/../../../..", cwd + "/../cert"], env: env)
            XCTAssertEqual(r.out, "\(proot)/app/data\n\(proot)\n\(proot)/etc/ssl/certs/ca.pem\n", what, file: file, line: line)
            r = try toolbox(caps, ["ls", cwd], env: env)
            XCTAssertEqual(r.out, "sub\n", what, file: file, line: line)
            // ls of the root and of `..` at the root stay inside.
            r = try toolbox(caps, ["ls", "-a", proot + "/app/root-link/../.."], env: env)
            XCTAssertEqual(r.out, ".\n..\napp\nbin\netc\nproc\nsecret\ntmp\n", what, file: file, line: line)
            r = try toolbox(caps, ["ls", "-F", proot + "/app/only-inside"], env: env)
            XCTAssertEqual(r.out, "\(proot)/app/only-inside@\n", what, file: file, line: line)
        }
    }

    /// ls -l, stat and find through /proc/PID/root agree with GNU ls, stat
    /// and find on the same tree reached directly.
    func testSameTreeDirectAndThroughProcRoot() throws {
        let env = ["LC_ALL": "C", "TZ": "UTC"]
        for args in [["-ln"], ["-lan"], ["-lRn"], ["-lin"], ["-ltn"], ["-lSrn"], ["-ln", "-d"], ["-1F"], ["-AR"]] {
            for sub in ["/app", "/etc", "/secret"] {
                let t = try toolbox(.noPtrace, ["ls"] + args + [proot + sub], env: env)
                let g = try runProcess(try which("ls"), args + [R + sub], environment: env)
                XCTAssertEqual(t.out, g.out.replacingOccurrences(of: R, with: proot), "ls \(args) \(sub)")
                XCTAssertEqual(t.code, 0)
            }
        }
        for sub in ["/app/config.yaml", "/etc/ssl/cert.pem", "/secret/key", "/tmp", "/app/run.sh"] {
            let t = try toolbox(.noPtrace, ["stat", proot + sub], env: env)
            let g = try runProcess(try which("stat"), [R + sub], environment: env)
            // Names from the container's /etc (the host calls uid 1000 cloudsdk or UNKNOWN).
            let named = g.out.replacingOccurrences(of: R, with: proot)
                .replacingOccurrences(of: "Uid: ( 1000/cloudsdk)", with: "Uid: ( 1000/ appuser)")
                .replacingOccurrences(of: "Gid: ( 1000/cloudsdk)", with: "Gid: ( 1000/appgroup)")
            XCTAssertEqual(t.out, named, "stat \(sub)")
        }
        for expr in [[], ["-name", "*.txt"], ["-type", "l"], ["-type", "d", "-o", "-size", "+4"], ["-mindepth", "2", "-maxdepth", "3"], ["-newer", "/etc/passwd"]] {
            let gexpr = expr.map { $0 == "/etc/passwd" ? R + "/etc/passwd" : $0 }
            let texpr = expr.map { $0 == "/etc/passwd" ? proot + "/etc/passwd" : $0 }
            let t = try toolbox(.noPtrace, ["find", proot + "/app", proot + "/etc"] + texpr, env: env)
            let g = try runProcess(try which("find"), [R + "/app", R + "/etc"] + gexpr, environment: env)
            XCTAssertEqual(t.out, g.out.replacingOccurrences(of: R, with: proot), "find \(expr)")
        }
        // -xdev at the container root does not enter its /proc.
        let t = try toolbox(.noPtrace, ["find", proot, "-xdev", "-name", "status"])
        XCTAssertEqual(t.out, "")
        XCTAssertEqual(t.code, 0)
    }

    /// Reading never changes the target: contents, mtimes, ctimes and atimes
    /// (files and directories; atimes were set in the past first so that any
    /// read without O_NOATIME would update them under relatime) are the same
    /// after every applet has run in all three modes.
    func testNothingInTheTargetTreeChanges() throws {
        try sh("find \(R) -path \(R)/proc -prune -o ! -type l -exec touch -a -d '2021-01-01 00:00' {} +")
        let before = try snapshot()
        for caps in [Caps.full, .noPtrace, .noPtraceNoSetid] {
            for args in [["ls", "-laRi", proot + "/app", proot + "/etc", proot + "/secret", proot + "/tmp"],
                         ["ls", "-lF", proot + "/app/cert", proot + "/app"],
                         ["cat", proot + "/app/config.yaml", proot + "/secret/key", proot + "/app/data/sub/deep.txt", proot + "/etc/ssl/cert.pem"],
                         ["stat", proot + "/app/config.yaml", proot + "/app", proot + "/etc/ssl/cert.pem"],
                         ["find", proot, "-xdev", "-size", "-100"],
                         ["readlink", "-f", proot + "/app/cert"],
                         ["ls", "-la", "/proc/\(pid)/cwd/..", "/proc/\(pid)/cwd"]] {
                _ = try toolbox(caps, args)
            }
        }
        let after = try snapshot()
        XCTAssertEqual(before.count, after.count)
        for (path, b) in before { XCTAssertEqual(after[path], b, path) }
    }

    /// path -> "type mode mtime ctime atime content" (no atime for symlinks:
    /// readlink(2) updates it whatever the open flags, for every reader
    /// including GNU ls). Read with O_NOATIME so that taking the snapshot
    /// does not change atimes itself.
    func snapshot() throws -> [String: String] {
        var map: [String: String] = [:]
        let reader = DirectoryReader()
        func visit(_ dir: FileDescriptor, _ path: String) throws {
            var names: [String] = []
            try reader.forEach(dir) { name, _, _, _ in names.append(name.string); return true }
            for n in names {
                let p = path + "/" + n
                if p == "./proc" { continue }
                let st = try fileStatus(n, relativeTo: dir, followSymlinks: false)
                let t = st.st_mode & S_IFMT
                var v = "\(st.st_mode) m=\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) c=\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
                if t != S_IFLNK { v += " a=\(st.st_atim.tv_sec).\(st.st_atim.tv_nsec)" }
                if t == S_IFREG {
                    let fd = try FileDescriptor.open(n, O_RDONLY | O_NOATIME, relativeTo: dir)
                    v += " data=" + String(decoding: try ReadBuffer().contents(of: fd), as: UTF8.self).debugDescription
                    fd.close()
                }
                if t == S_IFLNK { v += " -> " + (try readLink(n, relativeTo: dir)) }
                map[p] = v
                if t == S_IFDIR {
                    let sub = try FileDescriptor.open(n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME, relativeTo: dir)
                    defer { sub.close() }
                    try visit(sub, p)
                }
            }
        }
        let top = try FileDescriptor.open(R, O_RDONLY | O_DIRECTORY | O_NOATIME)
        defer { top.close() }
        let st = try top.stat()
        map["."] = "\(st.st_mode) m=\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) a=\(st.st_atim.tv_sec).\(st.st_atim.tv_nsec)"
        try visit(top, ".")
        XCTAssertGreaterThan(map.count, 20)
        return map
    }
}
