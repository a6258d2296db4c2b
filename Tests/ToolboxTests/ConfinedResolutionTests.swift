import Foundation
import ToolboxCore
import XCTest

/// The userspace walk (the fallback for kernels without openat2) against
/// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) on the same escape cases:
/// both must reach the same inode or fail with the same errno.
final class ConfinedResolutionTests: XCTestCase {
    var base = ""
    var root = ""

    override func setUpWithError() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-confined-\(getpid())-\(UUID().uuidString.prefix(8))").path
        root = base + "/root"
        let fm = FileManager.default
        for d in ["etc/ssl/certs", "app/sub", "chain"] { try fm.createDirectory(atPath: "\(root)/\(d)", withIntermediateDirectories: true) }
        try fm.createDirectory(atPath: "\(base)/etc", withIntermediateDirectories: true)
        try "OUTSIDE\n".write(toFile: "\(base)/etc/passwd", atomically: false, encoding: .utf8)
        try "inner\n".write(toFile: "\(root)/etc/passwd", atomically: false, encoding: .utf8)
        try "CA\n".write(toFile: "\(root)/etc/ssl/certs/ca.pem", atomically: false, encoding: .utf8)
        let links: [(String, String)] = [
            ("etc/ssl/cert.pem", "/etc/ssl/certs/ca.pem"),
            ("app/up", "../../../../../etc/passwd"),
            ("app/abs", "/"),
            ("app/dotdot", ".."),
            ("app/sub/rel", "../../etc/ssl/cert.pem"),
            ("app/loop1", "loop2"), ("app/loop2", "loop1"),
            ("app/self", "/proc/self/root/etc/passwd"),
            ("app/empty-target-dir", "sub/"),
            ("app/dangling", "/nope"),
        ]
        for (l, t) in links { XCTAssertEqual(symlink(t, "\(root)/\(l)"), 0, l) }
        // 40 links in a row resolve (the kernel's MAXSYMLINKS); 41 fail with ELOOP.
        for i in 0..<40 { XCTAssertEqual(symlink(i == 39 ? "/etc/passwd" : "a\(i + 1)", "\(root)/chain/a\(i)"), 0) }
        for i in 0..<41 { XCTAssertEqual(symlink(i == 40 ? "/etc/passwd" : "b\(i + 1)", "\(root)/chain/b\(i)"), 0) }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: base)
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case file(dev: UInt64, ino: UInt64, content: String?)
        case error(Int32)
        var description: String {
            switch self {
            case .file(let d, let i, let c): return "file(\(d):\(i) \(c.map { "\"\($0)\"" } ?? "-"))"
            case .error(let e): return "error(\(String(cString: strerror(e))))"
            }
        }
    }

    func outcome(_ rootFD: FileDescriptor, _ path: String, _ flags: Int32, _ resolver: ConfinedResolver) -> Outcome {
        do {
            let fd = try openInRoot(rootFD, path, flags: flags, resolver: resolver)
            defer { fd.close() }
            let st = try fd.stat()
            var content: String? = nil
            if st.st_mode & S_IFMT == S_IFREG, flags & O_PATH == 0 {
                content = String(decoding: try ReadBuffer().contents(of: fd), as: UTF8.self)
            }
            return .file(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), content: content)
        } catch {
            return .error(error.rawValue)
        }
    }

    func inode(_ path: String) throws -> Outcome {
        let st = try fileStatus(path)
        let content = st.st_mode & S_IFMT == S_IFREG ? try String(contentsOfFile: path, encoding: .utf8) : nil
        return .file(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), content: content)
    }

    func testUserspaceWalkAgreesWithOpenat2OnEscapes() throws {
        let rootFD = try FileDescriptor.open(root, O_PATH | O_DIRECTORY)
        defer { rootFD.close() }
        let innerPasswd = try inode("\(root)/etc/passwd")
        let ca = try inode("\(root)/etc/ssl/certs/ca.pem")
        let rootDir = try inode(root)
        let expected: [(String, Int32, Outcome)] = [
            ("/etc/passwd", O_RDONLY, innerPasswd),
            ("etc/passwd", O_RDONLY, innerPasswd),
            ("/../../../etc/passwd", O_RDONLY, innerPasswd),
            ("/app/../../../etc/passwd", O_RDONLY, innerPasswd),
            ("/app/up", O_RDONLY, innerPasswd),
            ("/etc/ssl/cert.pem", O_RDONLY, ca),
            ("/app/sub/rel", O_RDONLY, ca),
            ("/app/abs/etc/passwd", O_RDONLY, innerPasswd),
            ("/app/abs/..", O_RDONLY | O_DIRECTORY, rootDir),
            ("/app/dotdot/app/dotdot/etc/passwd", O_RDONLY, innerPasswd),
            ("/", O_RDONLY | O_DIRECTORY, rootDir),
            ("/app/loop1", O_RDONLY, .error(ELOOP)),
            ("/app/self", O_RDONLY, .error(ENOENT)),        // no /proc inside this root
            ("/app/dangling", O_RDONLY, .error(ENOENT)),
            ("/etc/passwd/x", O_RDONLY, .error(ENOTDIR)),
            ("/etc/passwd/", O_RDONLY, .error(ENOTDIR)),
            ("/missing", O_RDONLY, .error(ENOENT)),
            ("/chain/a0", O_RDONLY, innerPasswd),
            ("/chain/b0", O_RDONLY, .error(ELOOP)),
            ("/app/up", O_RDONLY | O_NOFOLLOW, .error(ELOOP)),
            ("/app/empty-target-dir", O_RDONLY | O_DIRECTORY, try inode("\(root)/app/sub")),
        ]
        for (path, flags, want) in expected {
            let k = outcome(rootFD, path, flags, .kernel)
            let u = outcome(rootFD, path, flags, .userspace)
            XCTAssertEqual(k, want, "openat2: \(path)")
            XCTAssertEqual(u, want, "userspace walk: \(path)")
        }
        // A final symlink opened with O_PATH|O_NOFOLLOW is the link itself in both.
        let lk = outcome(rootFD, "/app/up", O_PATH | O_NOFOLLOW, .kernel)
        XCTAssertEqual(lk, try lstatOutcome("\(root)/app/up"))
        XCTAssertEqual(outcome(rootFD, "/app/up", O_PATH | O_NOFOLLOW, .userspace), lk)
    }

    func lstatOutcome(_ path: String) throws -> Outcome {
        let st = try fileStatus(path, followSymlinks: false)
        return .file(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), content: nil)
    }

    /// Magic links (/proc/self/root, /proc/self/exe) fail with ELOOP in both;
    /// /proc/self itself is an ordinary link. Rooted at the real /, where /proc is.
    func testMagicLinksRefusedByBoth() throws {
        let slash = try FileDescriptor.open("/", O_PATH | O_DIRECTORY)
        defer { slash.close() }
        for path in ["/proc/self/root/etc/passwd", "/proc/self/exe", "/proc/self/cwd", "/proc/thread-self/root/etc"] {
            XCTAssertEqual(outcome(slash, path, O_RDONLY, .kernel), .error(ELOOP), path)
            XCTAssertEqual(outcome(slash, path, O_RDONLY, .userspace), .error(ELOOP), path)
        }
        let k = outcome(slash, "/proc/self/status", O_PATH, .kernel)
        guard case .file = k else { return XCTFail("openat2 /proc/self/status: \(k)") }
        XCTAssertEqual(outcome(slash, "/proc/self/status", O_PATH, .userspace), k)
    }

    func testCanonicalPathOfTheWalk() throws {
        let rootFD = try FileDescriptor.open(root, O_PATH | O_DIRECTORY)
        defer { rootFD.close() }
        let cases: [(String, String)] = [
            ("/app/up", "/etc/passwd"),
            ("/app/sub/rel", "/etc/ssl/certs/ca.pem"),
            ("/app/dotdot/../../app/./sub", "/app/sub"),
            ("/app/abs", "/"),
            ("/chain/a0", "/etc/passwd"),
            ("/app/dangling", "/nope"),     // missing last component allowed (readlink -f)
        ]
        for (path, want) in cases {
            let r = try walkInRoot(rootFD, path, flags: O_PATH, allowMissingLast: true)
            r.fd?.close()
            XCTAssertEqual(r.path, want, path)
        }
        XCTAssertThrowsError(try walkInRoot(rootFD, "/nope/x/y", flags: O_PATH, allowMissingLast: true)) {
            XCTAssertEqual($0 as? Errno, Errno(ENOENT))
        }
    }
}

final class FileFormatTests: XCTestCase {
    /// Values checked against GNU `ls -lh` / numfmt --to=iec --round=up.
    func testHumanSizesRoundUpLikeGNU() {
        let cases: [(UInt64, String)] = [
            (0, "0"), (1023, "1023"), (1024, "1.0K"), (1025, "1.1K"), (1536, "1.5K"), (10239, "10K"),
            (10240, "10K"), (10241, "11K"), (1_048_575, "1.0M"), (1_048_576, "1.0M"), (1_536_000, "1.5M"),
            (104_857_600, "100M"), (1_073_741_824, "1.0G"),
        ]
        for (v, want) in cases { XCTAssertEqual(humanSize(v), want, "\(v)") }
        XCTAssertEqual(humanSize(8, unit: 512), "4.0K")
    }

    func testModeStringsWithSpecialBits() {
        func m(_ v: UInt32) -> String { String(decoding: modeString(v), as: UTF8.self) }
        XCTAssertEqual(m(0o104755), "-rwsr-xr-x")
        XCTAssertEqual(m(0o104644), "-rwSr--r--")
        XCTAssertEqual(m(0o102755), "-rwxr-sr-x")
        XCTAssertEqual(m(0o041777), "drwxrwxrwt")
        XCTAssertEqual(m(0o041776), "drwxrwxrwT")
        XCTAssertEqual(m(0o120777), "lrwxrwxrwx")
        XCTAssertEqual(m(0o020666), "crw-rw-rw-")
        XCTAssertEqual(m(0o010600), "prw-------")
        XCTAssertEqual(m(0o140755), "srwxr-xr-x")
    }

    func testDeniedExplanation() {
        var target = PidStatus(); target.uids = [1000, 1000, 1000, 1000]; target.gids = [1000, 1000, 1000, 1000]; target.capPermitted = 0
        var me = PidStatus(); me.uids = [0, 0, 0, 0]
        me.capEffective = 0x00000000_a80425fb & ~(UInt64(1) << 19) & ~(UInt64(1) << 7) & ~(UInt64(1) << 6)
        me.capPermitted = me.capEffective
        XCTAssertEqual(explainProcAccessDenied(pid: 8, target: target, me: me, borrowError: nil),
                       "permission denied: process 8 runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace and without cap_setuid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as uid 1000")
        me.capEffective = me.capEffective! | (1 << 7)
        XCTAssertTrue(explainProcAccessDenied(pid: 8, target: target, me: me, borrowError: nil).contains("without cap_sys_ptrace and without cap_setgid;"))
        me.capEffective = me.capEffective! | (1 << 6)
        target.capPermitted = 1 << 10
        XCTAssertEqual(explainProcAccessDenied(pid: 8, target: target, me: me, borrowError: Errno(EACCES)),
                       "permission denied: process 8 runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace; opening it as uid 1000 failed too (Permission denied): process 8 holds capabilities (cap_net_bind_service) that a helper running as uid 1000 cannot match; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add)")
    }
}
