import Foundation
import ToolboxCore
import XCTest

/// Confinement is decided by what a path resolves to, not by its text
/// (issue 9, item 1). A live target (uid 1000, its own mount and pid
/// namespaces, chrooted) has an absolute symlink `/app/abslink` to a path
/// that exists in the debugger too, with other contents ("DEBUGGER" there,
/// "CONTAINER" inside), and an absolute directory link `/app/dirlink`.
/// Its root is a mount of its own namespace, as a container's is.
/// Every spelling of the container path, every applet that opens paths,
/// both resolvers (openat2, userspace walk) and both ways in (direct with
/// cap_sys_ptrace, borrowed uid without it) must see the container's files,
/// and `tar x -C` must write inside the container only.
final class ConfinementMatrixTests: XCTestCase {
    nonisolated(unsafe) static var base = ""
    nonisolated(unsafe) static var rootfs = ""
    nonisolated(unsafe) static var unshare: Process?
    nonisolated(unsafe) static var targetPID: Int32 = 0
    nonisolated(unsafe) static var setupError: String?

    var B: String { Self.base }
    var R: String { Self.rootfs }
    var T: Int32 { Self.targetPID }

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

    static func startTarget() throws {
        base = "/tmp/toolbox-confine-\(getpid())"
        rootfs = base + "/root"
        let fm = FileManager.default
        // The debugger's side: BASE/same with its own f.txt.
        try fm.createDirectory(atPath: base + "/same", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/p2", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/xdest", withIntermediateDirectories: true)
        try "DEBUGGER\n".write(toFile: base + "/same/f.txt", atomically: false, encoding: .utf8)
        try "d\n".write(toFile: base + "/same/only-in-debugger", atomically: false, encoding: .utf8)
        // The container's side: the same absolute path inside the rootfs.
        for d in ["bin", "app", "proc", base + "/same", base + "/xdest"] {
            try fm.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true)
        }
        try "CONTAINER\n".write(toFile: rootfs + base + "/same/f.txt", atomically: false, encoding: .utf8)
        try "c\n".write(toFile: rootfs + base + "/same/only-in-container", atomically: false, encoding: .utf8)
        try fm.copyItem(atPath: try which("busybox"), toPath: rootfs + "/bin/busybox")
        try fm.createSymbolicLink(atPath: rootfs + "/app/abslink", withDestinationPath: base + "/same/f.txt")
        try fm.createSymbolicLink(atPath: rootfs + "/app/dirlink", withDestinationPath: base + "/same")
        try fm.createSymbolicLink(atPath: rootfs + "/app/xdirlink", withDestinationPath: base + "/xdest")
        // Links in the debugger's tree that lead to /proc and into the container.
        try fm.createSymbolicLink(atPath: base + "/proclink", withDestinationPath: "/proc")
        let (process, pid) = try startContainerTarget(rootfs: rootfs, workdir: "/app", rootIsMount: true)
        unshare = process; targetPID = pid
        try fm.createSymbolicLink(atPath: base + "/rootlink", withDestinationPath: "/proc/\(targetPID)/root")
    }

    /// A spelling of the container's root: how the command is run and the
    /// path prefix (empty: relative to the working directory).
    struct Spelling {
        let name: String
        let prefix: String
        /// Shell words before the toolbox command (cd, unshare ...).
        let wrap: String
        /// What `readlink -f` prints for the container's root.
        let canonicalRoot: String
    }

    func spellings() -> [Spelling] {
        let proot = "/proc/\(T)/root"
        return [
            Spelling(name: "plain", prefix: proot + "/", wrap: "", canonicalRoot: proot),
            Spelling(name: "proc-dotdot", prefix: "/proc/../proc/\(T)/root/", wrap: "", canonicalRoot: proot),
            Spelling(name: "tmp-dotdot", prefix: "/tmp/../proc/\(T)/root/", wrap: "", canonicalRoot: proot),
            Spelling(name: "task", prefix: "/proc/\(T)/task/\(T)/root/", wrap: "", canonicalRoot: "/proc/\(T)/task/\(T)/root"),
            Spelling(name: "cwd-no-PWD", prefix: "", wrap: "cd \(proot) && env -u PWD", canonicalRoot: proot),
            Spelling(name: "cwd-shell", prefix: "", wrap: "cd \(proot) &&", canonicalRoot: proot),
            Spelling(name: "symlink-to-proc", prefix: B + "/proclink/\(T)/root/", wrap: "", canonicalRoot: proot),
            Spelling(name: "symlink-to-root", prefix: B + "/rootlink/", wrap: "", canonicalRoot: proot),
            Spelling(name: "second-procfs", prefix: B + "/p2/\(T)/root/", wrap: "unshare -m sh -c 'mount -t proc proc \(B)/p2 && exec \"$@\"' sh",
                     canonicalRoot: B + "/p2/\(T)/root"),
        ]
    }

    func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs toolbox `args` for spelling `s`, resolver `walk` and access `borrowed`.
    func run(_ s: Spelling, walk: Bool, borrowed: Bool, _ args: [String], stdin: Data? = nil) throws -> RunResult {
        let bin = try toolboxBinary()
        var words = [s.wrap, "env", "LC_ALL=C"]
        if walk { words.append("TOOLBOX_CONFINED_WALK=userspace") }
        if borrowed { words.append("setpriv --inh-caps=-all --bounding-set=-sys_ptrace") }
        words.append(q(bin))
        words += args.map(q)
        return try runProcess("/bin/sh", ["-c", words.joined(separator: " ")], stdin: stdin)
    }

    func inode(_ path: String) throws -> UInt64 { UInt64(try fileStatus(path).st_ino) }

    func testEverySpellingAppletResolverAndAccessStaysInTheContainer() throws {
        let containerInode = try inode(R + B + "/same/f.txt")
        let stage = B + "/stage"
        try FileManager.default.createDirectory(atPath: stage, withIntermediateDirectories: true)
        var n = 0
        for s in spellings() {
            for walk in [false, true] {
                for borrowed in [false, true] {
                    let what = "\(s.name) \(walk ? "userspace walk" : "openat2") \(borrowed ? "borrowed" : "direct")"
                    let p = s.prefix
                    let cat = try run(s, walk: walk, borrowed: borrowed, ["cat", p + "app/abslink"])
                    XCTAssertEqual(cat.out, "CONTAINER\n", "cat \(what): \(cat.err)")
                    XCTAssertEqual(cat.code, 0, "cat \(what)")

                    let ls = try run(s, walk: walk, borrowed: borrowed, ["ls", p + "app/dirlink/"])
                    XCTAssertEqual(ls.out, "f.txt\nonly-in-container\n", "ls \(what): \(ls.err)")

                    let st = try run(s, walk: walk, borrowed: borrowed, ["stat", "-L", p + "app/abslink"])
                    XCTAssertTrue(st.out.contains("Inode: \(containerInode) "), "stat -L \(what): \(st.out) \(st.err)")

                    let rl = try run(s, walk: walk, borrowed: borrowed, ["readlink", "-f", p + "app/abslink"])
                    XCTAssertEqual(rl.out, s.canonicalRoot + B + "/same/f.txt\n", "readlink -f \(what): \(rl.err)")

                    let find = try run(s, walk: walk, borrowed: borrowed, ["find", p + "app/dirlink/", "-type", "f"])
                    XCTAssertEqual(find.out.split(separator: "\n").map { $0.split(separator: "/").last.map(String.init) ?? "" }.sorted(),
                                   ["f.txt", "only-in-container"], "find \(what): \(find.out) \(find.err)")
                    XCTAssertEqual(find.code, 0, "find \(what): \(find.err)")

                    let tarc = try run(s, walk: walk, borrowed: borrowed, ["tar", "cf", "-", p + "app/dirlink/."])
                    XCTAssertTrue(tarc.out.contains("only-in-container") && tarc.out.contains("CONTAINER"), "tar c \(what): \(tarc.err)")
                    XCTAssertFalse(tarc.out.contains("only-in-debugger") || tarc.out.contains("DEBUGGER"), "tar c \(what)")

                    // tar x -C through the spelling and an absolute directory link.
                    n += 1
                    let member = "x\(n).txt"
                    try "extracted\n".write(toFile: stage + "/" + member, atomically: false, encoding: .utf8)
                    let made = try runProcess(try which("tar"), ["cf", stage + "/\(n).tar", "-C", stage, member])
                    XCTAssertEqual(made.code, 0, made.err)
                    let tarx = try run(s, walk: walk, borrowed: borrowed, ["tar", "xf", stage + "/\(n).tar", "-C", p + "app/xdirlink"])
                    XCTAssertEqual(tarx.code, 0, "tar x \(what): \(tarx.err)")
                    XCTAssertTrue(FileManager.default.fileExists(atPath: R + B + "/xdest/" + member), "tar x \(what): not in the container")
                    XCTAssertFalse(FileManager.default.fileExists(atPath: B + "/xdest/" + member), "tar x \(what): written into the debugger's tree")
                }
            }
        }
    }

    /// `/proc/self/root` is the debugger's own root: its files, its links.
    func testProcSelfRootIsTheDebuggersRoot() throws {
        let bin = try toolboxBinary()
        try? FileManager.default.removeItem(atPath: B + "/hostlink")
        try FileManager.default.createSymbolicLink(atPath: B + "/hostlink", withDestinationPath: B + "/same/f.txt")
        for walk in [false, true] {
            let env = walk ? ["TOOLBOX_CONFINED_WALK": "userspace"] : [:]
            let cat = try runProcess(bin, ["cat", "/proc/self/root" + B + "/hostlink", "/proc/../proc/self/root" + B + "/same/f.txt"], environment: env)
            XCTAssertEqual(cat.out, "DEBUGGER\nDEBUGGER\n", cat.err)
            let rl = try runProcess(bin, ["readlink", "-f", "/proc/self/root" + B + "/hostlink"], environment: env)
            XCTAssertEqual(rl.out, B + "/same/f.txt\n", rl.err)
            let ls = try runProcess(bin, ["ls", "/proc/self/root" + B + "/same"], environment: env)
            XCTAssertEqual(ls.out, "f.txt\nonly-in-debugger\n", ls.err)
        }
    }
}
