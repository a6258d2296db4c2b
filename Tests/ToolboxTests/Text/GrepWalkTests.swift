import Foundation
import XCTest

/// grep -r / -R on the one directory walker (ToolboxProc/DirectoryWalk.swift),
/// against GNU grep 3.8 (LC_ALL=C): stdout byte for byte, stderr and exit
/// status. Paths beyond PATH_MAX under few descriptors, symbolic link loops
/// and links to siblings with -R, and a container root (/proc/PID/root of a
/// chrooted process) whose absolute links lead to the container's files.
final class GrepWalkTests: XCTestCase {
    var tb = ""
    var work = ""

    override func setUpWithError() throws {
        tb = try toolboxBinary()
        _ = try which("prlimit")
        work = "/dev/shm/toolbox-grepwalk-\(getpid())"
        _ = try runProcess("/bin/rm", ["-rf", work])
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = try? runProcess("/bin/rm", ["-rf", work])
    }

    /// Runs `command` (a shell command where $TB is toolbox, $GREP GNU grep)
    /// in `dir`: stdout (bytes), stderr, exit status.
    func run(_ command: String, in dir: String) throws -> (Data, String, Int32) {
        var env = ProcessInfo.processInfo.environment
        env["TB"] = tb; env["GREP"] = try which("grep"); env["LC_ALL"] = "C"
        let r = try runProcess("/bin/sh", ["-c", "\(command) > '\(work)/out' 2> '\(work)/err'; echo $?"], environment: env, currentDirectory: dir)
        let out = try Data(contentsOf: URL(fileURLWithPath: work + "/out"))
        let err = try String(contentsOfFile: work + "/err", encoding: .utf8)
        return (out, err, Int32(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }

    /// `toolbox grep ARGS` and GNU `grep ARGS` (under `prefix`, e.g. prlimit)
    /// in `dir` give the same stdout, stderr and exit status.
    func assertSame(_ args: String, in dir: String, prefix: String = "", expectOutput: Bool = true,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try run("\(prefix) \"$TB\" grep \(args)", in: dir)
        let gnu = try run("\(prefix) \"$GREP\" \(args)", in: dir)
        let what = "grep \(args) \(prefix)"
        if expectOutput { XCTAssertGreaterThan(gnu.0.count, 0, "GNU \(what): \(gnu.1)", file: file, line: line) }
        if ours.0 != gnu.0 {
            let n = zip(ours.0, gnu.0).prefix { $0 == $1 }.count
            XCTFail("\(what): stdout differs from GNU's at byte \(n) (\(ours.0.count) vs \(gnu.0.count) bytes): "
                    + String(decoding: ours.0.dropFirst(max(0, n - 80)).prefix(160), as: UTF8.self), file: file, line: line)
        }
        XCTAssertEqual(ours.1, gnu.1.replacingOccurrences(of: "\(try which("grep")):", with: "grep:"), "stderr of \(what)", file: file, line: line)
        XCTAssertEqual(ours.2, gnu.2, "exit status of \(what)", file: file, line: line)
    }

    /// 300 levels, each a 30-byte name (paths of 9,300 bytes: beyond
    /// PATH_MAX), made with mkdirat/openat; a matching file at every level
    /// and, every tenth, a sibling directory walked after the deep branch.
    /// grep -r finds every line as GNU's fts does, also with 16 descriptors.
    func testTreeBeyondPathMax() throws {
        let top = work + "/top"
        XCTAssertEqual(mkdir(top, 0o755), 0)
        var fd = open(top, O_RDONLY | O_DIRECTORY)
        func write(_ dirfd: Int32, _ name: String, _ text: String) {
            let f = openat(dirfd, name, O_WRONLY | O_CREAT, 0o644)
            XCTAssertGreaterThanOrEqual(f, 0)
            _ = text.withCString { Glibc.write(f, $0, strlen($0)) }
            close(f)
        }
        for i in 1...300 {
            let name = "level-\(String(repeating: "x", count: 20))-\(String(format: "%03d", i))"
            write(fd, "f", "word at \(i)\nnothing\n")
            if i % 10 == 0 {
                XCTAssertEqual(mkdirat(fd, "side", 0o755), 0)
                let s = openat(fd, "side", O_RDONLY | O_DIRECTORY)
                write(s, "g", "side word \(i)\n")
                close(s)
            }
            XCTAssertEqual(mkdirat(fd, name, 0o755), 0)
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        write(fd, "deepest", "the deepest word\n")
        close(fd)
        for prefix in ["", "prlimit --nofile=16"] {
            try assertSame("-r word .", in: top, prefix: prefix)
            try assertSame("-r word", in: top, prefix: prefix)
            try assertSame("-rc word .", in: top, prefix: prefix)
            try assertSame("-rl deepest .", in: top, prefix: prefix)
            try assertSame("-r --exclude-dir=side word .", in: top, prefix: prefix)
            try assertSame("-r --include=g word .", in: top, prefix: prefix)
        }
        let (out, _, _) = try run("\"$TB\" grep -r word .", in: top)
        XCTAssertEqual(String(decoding: out, as: UTF8.self).split(separator: "\n").count, 300 + 30 + 1)
    }

    /// -R follows links: one to a sibling directory (walked twice, under
    /// both names: not a loop), one back up (a loop: GNU's warning, exit
    /// status unchanged), a dangling one and a link cycle (errors), and
    /// -r, which skips them all.
    func testDereferenceRecursiveLoopsAndSiblings() throws {
        let t = work + "/t"
        let script = """
        mkdir -p t/a/inner t/b t/c && cd t &&
        echo 'word in a' > a/f && echo 'word inner' > a/inner/g && echo 'none' > b/h &&
        ln -s ../a b/to-a && ln -s .. a/inner/up && ln -s ../../c a/inner/to-c && echo 'word c' > c/k &&
        ln -s nowhere dangling && ln -s cycle1 cycle2 && ln -s cycle2 cycle1 && ln -s a/f file-link
        """
        XCTAssertEqual(try runProcess("/bin/sh", ["-c", script], currentDirectory: work).code, 0)
        for args in ["-R word .", "-R word", "-R -c word .", "-R -l word", "-R nomatch .", "-Rs word .",
                     "-R --exclude-dir=a word .", "-R --exclude-dir=to-a word .", "-R --exclude=f word .",
                     "-r word .", "-r word", "-R word a b", "-R word b/to-a"] {
            try assertSame(args, in: t, expectOutput: args != "-R nomatch .")
        }
        try assertSame("-R word t", in: work)
    }

    /// grep through /proc/PID/root of a chrooted process, run from a
    /// working directory inside that root: an absolute link in the tree
    /// (-R) and an absolute link given as the operand (-r) lead to the
    /// container's files, as GNU grep run inside the chroot finds them,
    /// never to the debugger's file at the same path.
    func testContainerRootAbsoluteLinks() throws {
        let root = work + "/root"
        let hostDir = work + "/abs"       // the same path inside the root and here
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/data/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + hostDir + "/dir", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: hostDir + "/dir", withIntermediateDirectories: true)
        fm.createFile(atPath: root + hostDir + "/secret", contents: Data("word CONTAINER\n".utf8))
        fm.createFile(atPath: root + hostDir + "/dir/x", contents: Data("word CONTAINER dir\n".utf8))
        fm.createFile(atPath: hostDir + "/secret", contents: Data("word HOST\n".utf8))
        fm.createFile(atPath: hostDir + "/dir/x", contents: Data("word HOST dir\n".utf8))
        fm.createFile(atPath: root + "/data/sub/plain", contents: Data("word plain\n".utf8))
        try fm.createSymbolicLink(atPath: root + "/data/sub/abs-file", withDestinationPath: hostDir + "/secret")
        try fm.createSymbolicLink(atPath: root + "/data/abs-dir", withDestinationPath: hostDir + "/dir")
        try fm.createSymbolicLink(atPath: root + "/data/abs-op", withDestinationPath: hostDir + "/secret")
        // GNU grep inside the root: the binary and the libraries it loads.
        let grep = try which("grep")
        XCTAssertEqual(try runProcess("/bin/sh", ["-c", """
            set -e; cp \(try which("busybox")) '\(root)/bin/busybox'; cp \(grep) '\(root)/bin/grep'
            for l in $(ldd \(grep) | grep -o '/[^ ]*'); do mkdir -p "\(root)$(dirname $l)"; cp "$l" "\(root)$l"; done
            """]).code, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which("chroot"))
        p.arguments = [root, "/bin/busybox", "sleep", "600"]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let pid = p.processIdentifier
        for _ in 0..<200 {
            if let c = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), c.hasPrefix("/bin/busybox") { break }
            usleep(10_000)
        }
        for args in ["-R word .", "-R word", "-r word .", "-r word abs-op", "-R word abs-dir", "-rH word sub abs-op"] {
            let ours = try run("cd /proc/\(pid)/root/data && \"$TB\" grep \(args)", in: work)
            let gnu = try run("chroot '\(root)' /bin/busybox sh -c 'cd /data && exec /bin/grep \(args)'", in: work)
            XCTAssertGreaterThan(gnu.0.count, 0, "GNU grep \(args): \(gnu.1)")
            XCTAssertEqual(String(decoding: ours.0, as: UTF8.self), String(decoding: gnu.0, as: UTF8.self), "grep \(args)")
            XCTAssertEqual(ours.1, gnu.1.replacingOccurrences(of: "/bin/grep:", with: "grep:"), "grep \(args)")
            XCTAssertEqual(ours.2, gnu.2, "grep \(args)")
            XCTAssertFalse(String(decoding: ours.0, as: UTF8.self).contains("HOST"), "grep \(args)")
        }
        // The same tree named by its /proc path: the container's files too.
        let r = try run("\"$TB\" grep -R HOST /proc/\(pid)/root/data", in: work)
        XCTAssertEqual(r.0.count, 0)
        XCTAssertEqual(r.2, 1, r.1)
        let c = try run("\"$TB\" grep -Rc CONTAINER /proc/\(pid)/root/data", in: work)
        XCTAssertEqual(String(decoding: c.0, as: UTF8.self).split(separator: "\n").sorted(), [
            "/proc/\(pid)/root/data/abs-dir/x:1", "/proc/\(pid)/root/data/abs-op:1",
            "/proc/\(pid)/root/data/sub/abs-file:1", "/proc/\(pid)/root/data/sub/plain:0"])
    }
}
