import Foundation
import XCTest

/// The one directory walker (ToolboxProc/DirectoryWalk.swift) under `ls -R`,
/// `find`, `tar -c` and `du`: trees far deeper than the descriptors allowed
/// (`prlimit --nofile=20` and 16), compared byte for byte with GNU under the
/// same limit, and a tree renamed under the walk (the `..` check).
final class DeepTreeTests: XCTestCase {
    var tb = ""
    var work = ""

    override func setUpWithError() throws {
        tb = try toolboxBinary()
        _ = try which("prlimit")
        work = "/dev/shm/toolbox-deep-\(getpid())"
        _ = try runProcess("/bin/rm", ["-rf", work])
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = try? runProcess("/bin/rm", ["-rf", work])
    }

    /// Runs `script` with sh in the work folder; $TB is toolbox.
    @discardableResult
    func sh(_ script: String) throws -> RunResult {
        var env = ProcessInfo.processInfo.environment
        env["TB"] = tb; env["LC_ALL"] = "C"
        return try runProcess("/bin/sh", ["-c", script], environment: env, currentDirectory: work)
    }

    /// A chain `levels` deep of directories named `d` below work/NAME (made
    /// with mkdirat/openat: its paths are longer than PATH_MAX), with a file
    /// `f` in the deepest one.
    func makeChain(_ name: String, levels: Int) throws {
        var fd = open(work + "/" + name, O_RDONLY | O_DIRECTORY)
        if fd < 0 { XCTAssertEqual(mkdir(work + "/" + name, 0o755), 0); fd = open(work + "/" + name, O_RDONLY | O_DIRECTORY) }
        for _ in 0..<levels {
            XCTAssertEqual(mkdirat(fd, "d", 0o755), 0)
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        let f = openat(fd, "f", O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(f, 0)
        close(f); close(fd)
    }

    /// A tree 40 levels deep (t/d1/.../d40) with a file at every level and,
    /// every fifth level, a sibling directory `z` (with a file and a
    /// subdirectory) walked after the deep branch: the walk goes down 40
    /// levels, then back up through directories whose descriptors it closed.
    func makeTree40() throws {
        var path = work + "/t"
        for i in 1...40 {
            path += "/d\(i)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path + "/f", contents: Data("\(i)\n".utf8))
            if i % 5 == 0 {
                try FileManager.default.createDirectory(atPath: path + "/z/y", withIntermediateDirectories: true)
                FileManager.default.createFile(atPath: path + "/z/file", contents: Data("z\(i)\n".utf8))
            }
        }
    }

    /// One command run by toolbox and by GNU under `prlimit --nofile=N`:
    /// stdout (to a file, compared as bytes), stderr, exit status.
    func run(_ command: String, gnu: String? = nil, nofile: Int) throws -> (ours: (Data, String, Int32), gnu: (Data, String, Int32)) {
        func one(_ cmd: String, _ tag: String) throws -> (Data, String, Int32) {
            let r = try sh("prlimit --nofile=\(nofile) \(cmd) > \(tag).out 2> \(tag).err; echo $?")
            let out = try Data(contentsOf: URL(fileURLWithPath: work + "/\(tag).out"))
            let err = try String(contentsOfFile: work + "/\(tag).err", encoding: .utf8)
            return (out, err, Int32(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
        }
        return (try one("$TB " + command, "ours"), try one(gnu ?? command, "gnu"))
    }

    /// Asserts toolbox's and GNU's runs are the same and succeeded.
    func assertSameAsGNU(_ command: String, gnu: String? = nil, nofile: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let (ours, theirs) = try run(command, gnu: gnu, nofile: nofile)
        let what = "\(command) under nofile=\(nofile)"
        XCTAssertEqual(theirs.2, 0, "GNU \(what): \(theirs.1)", file: file, line: line)
        XCTAssertEqual(ours.1, "", what, file: file, line: line)
        XCTAssertEqual(ours.2, 0, what, file: file, line: line)
        XCTAssertGreaterThan(theirs.0.count, 0, what, file: file, line: line)
        if ours.0 != theirs.0 {
            let n = zip(ours.0, theirs.0).prefix { $0 == $1 }.count
            XCTFail("\(what): stdout differs from GNU's at byte \(n) (\(ours.0.count) vs \(theirs.0.count) bytes): "
                    + String(decoding: ours.0.dropFirst(max(0, n - 80)).prefix(160), as: UTF8.self), file: file, line: line)
        }
    }

    /// ls -R, find, du, du -a and tar c | tar t of a tree 40 levels deep,
    /// with 20 and with 16 descriptors: all of it, byte for byte as GNU.
    /// (Before the walker: `ls: t/d1/.../d14: Too many open files` at 20.)
    func testTree40LevelsDeepWithFewDescriptors() throws {
        try makeTree40()
        for nofile in [20, 16] {
            try assertSameAsGNU("ls -R t", nofile: nofile)
            try assertSameAsGNU("ls -laR t", nofile: nofile)
            // -L enters every level as followed: closed levels are reopened by path.
            try assertSameAsGNU("ls -RL t", nofile: nofile)
            try assertSameAsGNU("find t", nofile: nofile)
            try assertSameAsGNU("find t -depth -name f", nofile: nofile)
            try assertSameAsGNU("find t -mindepth 20 -maxdepth 30 -type d", nofile: nofile)
            try assertSameAsGNU("du t", nofile: nofile)
            try assertSameAsGNU("du -a t", nofile: nofile)
            // tar c keeps name order; GNU's --sort=name is the same order.
            try assertSameAsGNU("tar cf - t | tar tvf -", gnu: "tar cf - --sort=name t | tar tvf -", nofile: nofile)
            let tarExit = try sh("prlimit --nofile=\(nofile) $TB tar cf x.tar t; echo $?")
            XCTAssertEqual(tarExit, RunResult(out: "0\n", err: "", code: 0))
        }
    }

    /// A chain 3000 directories deep (beyond the old limit of 2048 levels,
    /// and beyond PATH_MAX): find, du and tar c list all of it, as GNU
    /// does, with 20 descriptors. GNU ls -R stops where the path exceeds
    /// PATH_MAX (it opens directories by name); toolbox's goes on: its
    /// output is checked against the listing the chain must give.
    func testChain3000LevelsDeep() throws {
        try makeChain("c", levels: 3000)
        try assertSameAsGNU("find c", nofile: 20)
        try assertSameAsGNU("find c -depth", nofile: 16)
        try assertSameAsGNU("du c", nofile: 20)
        try assertSameAsGNU("tar cf - c | tar tf -", gnu: "tar cf - c | tar tf -", nofile: 20)
        let (ours, _) = try run("ls -R c", nofile: 20)
        var expected = ""
        var dir = "c"
        for _ in 0..<3000 {
            expected += "\(dir):\nd\n\n"
            dir += "/d"
        }
        expected += "\(dir):\nf\n"
        XCTAssertEqual(ours.1, "")
        XCTAssertEqual(ours.2, 0)
        XCTAssertTrue(String(decoding: ours.0, as: UTF8.self) == expected, "ls -R c: \(ours.0.count) bytes, expected \(expected.utf8.count)")
    }

    /// The tree the rename tests use: t/d1/.../d12 (file `leaf` at the
    /// bottom); d6 holds d7 and `zz/inside`, d5 holds d6 and `y`. Beside it,
    /// `outside/zz/SECRET`: a walk that went up from d7 by a plain `..`
    /// after d7 was moved into `outside` would list outside/zz as d6/zz.
    func makeRenameTree() throws {
        // Made in this order so that tmpfs's readdir (newest first) gives
        // d6 before y and d7 before zz: d7 is walked before zz.
        let d6 = work + "/t/d1/d2/d3/d4/d5/d6"
        try FileManager.default.createDirectory(atPath: work + "/t/d1/d2/d3/d4/d5/y", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: d6 + "/zz", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: d6 + "/d7/d8/d9/d10/d11/d12", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work + "/outside/zz", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: d6 + "/d7/d8/d9/d10/d11/d12/leaf", contents: Data())
        FileManager.default.createFile(atPath: d6 + "/zz/inside", contents: Data())
        FileManager.default.createFile(atPath: work + "/outside/zz/SECRET", contents: Data())
    }

    let d6 = "t/d1/d2/d3/d4/d5/d6"

    /// Every path of the rename tree, as walked before anything moved.
    var renameTreePaths: Set<String> {
        var s: Set<String> = ["t", "t/d1/d2/d3/d4/d5/y"]
        var p = "t"
        for i in 1...12 { p += "/d\(i)"; s.insert(p) }
        s.insert(p + "/leaf")
        s.insert(d6 + "/zz"); s.insert(d6 + "/zz/inside")
        return s
    }

    /// find -exec moves d7 (with the walk inside d12, 12 levels down, with
    /// 16 descriptors: d6's was closed) into `outside`. Going up, `..` of d7
    /// is now `outside`, not d6: the walker sees the identity differ, opens
    /// d6 again by name from the top, and goes on in d6: zz/inside is
    /// listed, outside/zz/SECRET never. (GNU find stops the whole walk
    /// there: `failed to read file names from file system`.) When d6 itself
    /// was renamed too, d6 cannot be reached again: reported, the rest of d6
    /// skipped, exit 1, and the walk goes on above it (d5/y).
    func testFindDirectoryMovedDuringTheWalk() throws {
        /// A fresh tree, find with `moves` run at the leaf; stdout lines as a set.
        func find(moving moves: String) throws -> (RunResult, Set<String>) {
            try sh("rm -rf t outside")
            try makeRenameTree()
            let r = try sh("prlimit --nofile=16 $TB find t -name leaf -exec sh -c '\(moves)' \\; -o -print")
            XCTAssertFalse(r.out.contains("SECRET"), r.out)
            return (r, Set(r.out.split(separator: "\n").map(String.init)))
        }
        let (r, printed) = try find(moving: "mv \(d6)/d7 outside/d7")
        XCTAssertEqual(r.err, "")
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(printed, renameTreePaths.subtracting([d6 + "/d7/d8/d9/d10/d11/d12/leaf"]))

        let (lost, lostPrinted) = try find(moving: "mv \(d6)/d7 outside/d7 && mv \(d6) \(d6).gone")
        XCTAssertEqual(lost.err, "find: '\(d6)': cannot return to the directory: No such file or directory\n")
        XCTAssertEqual(lost.code, 1)
        XCTAssertTrue(lostPrinted.contains("t/d1/d2/d3/d4/d5/y"), lost.out)   // the walk went on above d6
        XCTAssertTrue(lostPrinted.isSubset(of: renameTreePaths), lost.out)
    }

    /// The same moves under ls -R, du -a and tar c, made while the walk is
    /// inside d12: strace delays each getdents64 by 0.15 s, and the script
    /// moves d7 once toolbox has d12 open. Nothing of `outside` is listed.
    func testLsDuTarDirectoryMovedDuringTheWalk() throws {
        _ = try which("strace")
        for cmd in ["ls -R t", "du -a t", "tar cvf /dev/null t"] {
            try sh("rm -rf t outside")
            try makeRenameTree()
            let script = """
                prlimit --nofile=16 strace -f -o /dev/null -e trace=getdents64 -e inject=getdents64:delay_exit=150000 $TB \(cmd) > o.out 2> o.err & S=$!
                i=0; while [ $i -lt 1000 ]; do
                  P=$(cat /proc/$S/task/*/children 2>/dev/null | tr ' ' '\\n' | head -1)
                  [ -n "$P" ] && ls -l /proc/$P/fd 2>/dev/null | grep -q '/d12$' && break
                  i=$((i+1)); sleep 0.01
                done
                [ $i -lt 1000 ] && echo "d12 open"
                mv \(d6)/d7 outside/d7; wait $S; echo "exit $?"; cat o.err
                """
            let r = try sh(script)
            // The move must have happened while the walk was inside d12 (else
            // the test would prove nothing).
            XCTAssertEqual(r.out, "d12 open\nexit 0\n", cmd)
            let out = try String(contentsOfFile: work + "/o.out", encoding: .utf8)
            XCTAssertFalse(out.contains("SECRET"), "\(cmd): \(out)")
            XCTAssertTrue(out.contains("inside"), "\(cmd): \(out)")   // d6 was walked on after the move
        }
    }

    /// `ls`, `ls -la`, `ls -R`, `find .`, `du` and `tar c .` in a working
    /// directory that was removed: what GNU prints (nothing, `total 0`,
    /// `.`), exit 0 (issue 9 item 10).
    func testRemovedWorkingDirectory() throws {
        for cmd in ["ls", "ls -la", "ls -R", "ls -la .", "find .", "find", "du", "du -a .", "tar cf - . | tar tf -"] {
            let ours = try sh("mkdir gone && cd gone && rmdir ../gone && $TB \(cmd); echo \"exit $?\"")
            let gnu = try sh("mkdir gone && cd gone && rmdir ../gone && \(cmd); echo \"exit $?\"")
            XCTAssertEqual(ours, gnu, cmd)
            XCTAssertTrue(ours.out.hasSuffix("exit 0\n"), cmd)
        }
    }
}
