import Foundation
import XCTest

/// find's GNU options (issue 15) compared with GNU findutils on trees the
/// test builds: stdout byte for byte, stderr and exit code, under LC_ALL=C
/// and TZ=UTC. toolbox runs as the release binary (-exec forks it).
final class FindOptionsTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-findopts-\(getpid())-\(UUID().uuidString.prefix(6))").path
        try makeTree(dir + "/t")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A tree with what the tests tell apart: modes (setuid, sticky, 0),
    /// owners with and without a passwd entry, links, empty files and
    /// directories, times hours and days old, names for patterns.
    func makeTree(_ t: String) throws {
        let r = try sh("""
        set -e
        mkdir -p \(t) && cd \(t)
        mkdir -p sub/deeper/deepest emptydir Mixed/CASE full
        printf hello > f; chmod 4755 f
        printf x > g; chmod 640 g
        : > empty.txt; chmod 0 empty.txt
        printf data > full/data.TXT
        printf 'a\\nb\\n' > sub/y.txt; printf z > sub/deeper/x.TXT; touch sub/deeper/deepest/leaf.txt
        mkdir sticky; chmod 1777 sticky
        ln -s f lf; ln -s /nonexistent dangling; ln -s sub lsub; ln -s ../f sub/up
        ln f hard
        printf '#!/bin/sh\\n' > run.sh; chmod 755 run.sh
        touch 'with space' Mixed/CASE/Name.c
        chown 4242:4343 g; chown 0:0 f
        touch -d '3 hours ago' sub/y.txt; touch -d '10 days ago' g; touch -d '2 days ago' full/data.TXT
        touch -a -d '5 hours ago' f
        touch -d '400 days ago' run.sh
        """)
        XCTAssertEqual(r.code, 0, r.err)
    }

    let env = ["LC_ALL": "C", "TZ": "UTC", "PATH": "/usr/bin:/bin"]

    func gnu(_ args: [String], stdin: String? = nil, cwd: String? = nil) throws -> RunResult {
        try runProcess(try which("find"), args, stdin: stdin.map { Data($0.utf8) }, environment: env, currentDirectory: cwd ?? dir + "/t")
    }

    func toolbox(_ args: [String], stdin: String? = nil, cwd: String? = nil) throws -> RunResult {
        try runProcess(try toolboxBinary(), ["find"] + args, stdin: stdin.map { Data($0.utf8) }, environment: env, currentDirectory: cwd ?? dir + "/t")
    }

    /// Same stdout, stderr and exit code as GNU find.
    func assertSame(_ args: [String], stdin: String? = nil, cwd: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        var g = try gnu(args, stdin: stdin, cwd: cwd)
        let t = try toolbox(args, stdin: stdin, cwd: cwd)
        // GNU names itself by argv[0], the full path here.
        g.err = g.err.replacingOccurrences(of: "/usr/bin/find: ", with: "find: ")
        XCTAssertEqual(t.out, g.out, "stdout of find \(args)", file: file, line: line)
        XCTAssertEqual(t.err, g.err, "stderr of find \(args)", file: file, line: line)
        XCTAssertEqual(t.code, g.code, "exit code of find \(args)", file: file, line: line)
    }

    // MARK: group 1: -exec, -execdir, -ok, -delete

    func testExecMatchesGNU() throws {
        let cases: [[String]] = [
            ["-exec", "echo", "{}", ";"],
            ["-exec", "echo", "a{}b", "x{}{}", ";"],
            [".", "-exec", "echo", "{}", "+"],
            ["sub", "f", "-exec", "echo", "first", "{}", "+"],
            ["-name", "*.txt", "-exec", "echo", "found", "{}", ";"],
            ["-execdir", "echo", "{}", ";"],
            ["-execdir", "echo", "{}", "+"],
            ["sub", "-execdir", "echo", "in", "{}", ";"],
            ["-type", "f", "-exec", "test", "-s", "{}", ";", "-print"],
            ["-exec", "false", ";"],
            ["-exec", "false", "{}", "+"],
            ["-exec", "sh", "-c", "exit 3", "sh", "{}", "+"],
            ["-maxdepth", "1", "-exec", "/nonexistent/cmd", "{}", ";"],
            ["-maxdepth", "0", "-exec", "/nonexistent/cmd", "{}", "+"],
            ["-exec", "echo", "{}", "x", "+"],
            ["-exec", "echo", "{}", "{}", "+"],
            ["-exec"],
            ["-exec", "echo"],
            ["-maxdepth", "1", "-name", "f", "-exec", "cat", "{}", ";"],
        ]
        for c in cases { try assertSame(c) }
    }

    /// `+` batches are cut where GNU cuts them (128 KiB of arguments).
    func testExecPlusBatchesLikeGNU() throws {
        let b = dir + "/batch"
        let r = try sh("mkdir -p \(b) && cd \(b) && seq -w 1 25000 | sed 's/^/file_/' | xargs touch")
        XCTAssertEqual(r.code, 0, r.err)
        try assertSame([".", "-exec", "sh", "-c", "echo $#", "sh", "{}", "+"], cwd: b)
        try assertSame([".", "-execdir", "sh", "-c", "echo $#", "sh", "{}", "+"], cwd: b)
    }

    func testOkReadsTheAnswerFromStandardInput() throws {
        try assertSame(["-maxdepth", "1", "-name", "[fg]", "-ok", "echo", "yes", "{}", ";"], stdin: "y\nn\n")
        try assertSame(["-maxdepth", "1", "-name", "[fg]", "-ok", "echo", "{}", ";"], stdin: "Yes\n")
        try assertSame(["sub", "-okdir", "echo", "{}", ";"], stdin: "y\ny\nno\ny\n")
        try assertSame(["-maxdepth", "1", "-ok", "echo", "{}", ";"], stdin: "")
    }

    /// -delete on two copies of the tree: the same output and the same
    /// tree left behind.
    func testDeleteMatchesGNU() throws {
        let cases: [[String]] = [
            ["-name", "*.txt", "-delete"],
            ["sub", "-delete", "-print"],
            ["-type", "d", "-name", "s*", "-delete"],
            ["full/data.TXT", "f", "-delete"],
            [".", "-maxdepth", "1", "-name", "l*", "-delete"],
            [".", "-delete"],
        ]
        for (k, c) in cases.enumerated() {
            let a = dir + "/del\(k)a", b = dir + "/del\(k)b"
            try makeTree(a); try makeTree(b)
            var g = try gnu(c, cwd: a)
            let t = try toolbox(c, cwd: b)
            g.err = g.err.replacingOccurrences(of: "/usr/bin/find: ", with: "find: ")
            XCTAssertEqual(t.out, g.out, "\(c)")
            XCTAssertEqual(t.err, g.err, "\(c)")
            XCTAssertEqual(t.code, g.code, "\(c)")
            let left = try gnu(["."], cwd: a).out.split(separator: "\n").sorted()
            let leftT = try gnu(["."], cwd: b).out.split(separator: "\n").sorted()
            XCTAssertEqual(leftT, left, "tree left by \(c)")
        }
    }

    // MARK: group 2: tests and -L -H -P

    func testTestsMatchGNU() throws {
        let cases: [[String]] = [
            ["-path", "./sub/*"], ["-path", "*deep*"], ["-wholename", "./s*"], ["-ipath", "*mixed/case*"], ["-iwholename", "*.TXT"],
            ["-regex", ".*\\.txt"], ["-regex", "\\./sub/.*"], ["-iregex", ".*\\.TXT"], ["-regex", ".*/\\(f\\|g\\)"],
            ["-regextype", "posix-extended", "-regex", ".*/(f|g|hard)"], ["-regextype", "posix-basic", "-regex", ".*/[fg]"],
            ["-regextype", "egrep", "-regex", ".*x+.*"], ["-regex", "\\("], ["-regextype", "perl"],
            ["-lname", "*f"], ["-ilname", "*NON*"], ["-lname", "sub"],
            ["-perm", "644"], ["-perm", "-644"], ["-perm", "/111"], ["-perm", "-4000"], ["-perm", "/u=s,o=t"],
            ["-perm", "u=rw,g=r,o=r"], ["-perm", "-u+x"], ["-perm", "/g+w"], ["-perm", "0"], ["-perm", "-a=r"], ["-perm", "bogus"],
            ["-user", "root"], ["-user", "0"], ["-user", "4242"], ["-group", "4343"], ["-user", "nosuchuser"], ["-group", "nosuchgroup"],
            ["-uid", "4242"], ["-uid", "+100"], ["-gid", "-1"], ["-nouser"], ["-nogroup"],
            ["-empty"], ["-type", "d", "-empty"], ["-not", "-empty", "-type", "f"],
            ["-links", "2"], ["-links", "+1", "-type", "f"], ["-links", "-3"], ["-links", "x"],
            ["-samefile", "f"], ["-samefile", "hard"], ["-samefile", "lf"],
            ["-name", "sub", "-prune", "-o", "-print"], ["-path", "./sub/deeper", "-prune", "-o", "-type", "f", "-print"],
            ["-name", "s*", "-quit"], ["-type", "f", "-print", "-quit"], ["-depth"], ["-d", "-name", "sub*"], ["sub", "-depth", "-print"],
            ["-mmin", "-60"], ["-mmin", "+60"], ["-mmin", "-200", "-mmin", "+100"], ["-amin", "+200", "-type", "f"], ["-cmin", "-5", "-type", "f"],
            ["-mtime", "+5"], ["-mtime", "-1"], ["-mtime", "2"], ["-mtime", "+1.5"], ["-atime", "0", "-type", "f"], ["-ctime", "-1", "-type", "f"],
            ["-newer", "g"], ["-anewer", "f", "-type", "f"], ["-cnewer", "g", "-type", "f"], ["-newermm", "sub/y.txt"], ["-newercm", "g", "-type", "f"],
            ["-newerma", "f", "-type", "f"],
            ["-readable"], ["-writable"], ["-executable"], ["-executable", "-type", "f"],
            ["-name", "f", ",", "-name", "g"], ["-mmin", "x"],
            // Past Int64's seconds (the find fuzz target's trap): GNU matches nothing or everything.
            ["-mtime", "+111111111111111111111"], ["-mtime", "-111111111111111111111"], ["-mmin", "1e300"], ["-amin", "-1e300"],
            ["-mtime", "99999999999"], ["-ctime", "-99999999999", "-type", "f"],
            // An exact day or minute count whose window lies past 2^33 s back (the trap after that fix).
            ["-mtime", "888888"], ["-mmin", "999999999"], ["-ctime", "200000", "-type", "f"], ["-amin", "9999999999"],
        ]
        for c in cases { try assertSame(c) }
        // -inum: the number is the tree's own.
        var st = stat()
        XCTAssertEqual(lstat(dir + "/t/f", &st), 0)
        try assertSame(["-inum", String(st.st_ino)])
    }

    func testNewerXYWithDatesAndEveryFieldPair() throws {
        let d = dir + "/dates"
        let r = try sh("""
        set -e; mkdir -p \(d) && cd \(d)
        touch -d '2025-06-01 10:00:00' old; touch -d '2026-01-01 10:00:30' new; touch -a -d '2024-01-01' new
        touch -d '2026-01-01 09:59:59.5' edge; touch -d '2026-01-01' midnight
        """)
        XCTAssertEqual(r.code, 0, r.err)
        var cases: [[String]] = []
        for x in ["a", "c", "m"] {
            for y in ["a", "c", "m"] { cases.append(["-newer\(x)\(y)", "old", "-type", "f"]) }
            for t in ["2026-01-01 10:00", "2026-01-01 10:00:00", "2026-01-01", "2025-12-31 23:59:59", "@1767261600", "@1700000000",
                      "2026-01-01T09:00", "garbage", "2026-13-01"] {
                cases.append(["-newer\(x)t", t, "-type", "f"])
            }
        }
        cases += [["-newerBt", "2020-01-01"], ["-newermB", "old"], ["-newerBm", "old"], ["-newertm", "old"], ["-newerxm", "old"]]
        for c in cases { try assertSame(c, cwd: d) }
    }

    func testFollowingLinksMatchesGNU() throws {
        for c: [String] in [
            ["-L", "."], ["-L", ".", "-type", "l"], ["-L", ".", "-type", "d"], ["-L", "lsub"], ["-H", "lsub"], ["-P", "lsub"], ["lsub"],
            ["-H", "lsub", "-type", "f"], ["-L", ".", "-name", "up", "-type", "f"], ["-L", ".", "-newer", "lf", "-type", "f"],
            ["-L", "-P", "lsub"], ["-H", "dangling"], ["-L", "dangling", "-type", "l"], ["-L", ".", "-samefile", "f"],
        ] { try assertSame(c) }
        // A loop: GNU reports it and exits 1.
        let l = dir + "/loop"
        XCTAssertEqual(try sh("mkdir -p \(l)/a && ln -s .. \(l)/a/up").code, 0)
        try assertSame(["-L", "."], cwd: l)
    }

    // MARK: group 3: -printf, -ls

    func testPrintfMatchesGNU() throws {
        let cases: [String] = [
            "%p|%f|%h|%P|%H|%d|%y\\n", "%s %m %M %u %g %U %G\\n", "%i %n %D %b %k %l\\n", "[%5s][%-5s][%05m][%#m][%.3p][%-10f|]\\n",
            "%t|%c\\n", "%T@ %C@\\n", "%TY-%Tm-%Td %TH:%TM:%TS %Tj %Ta %Tb %Tp\\n", "%T+ %TT %TX %Tk\\n", "%%\\t\\\\\\101\\0|\\n", "a\\cb",
            "x\\qy\\n", "%Q\\n", "%", "%Y %S\\n",
        ]
        for f in cases { try assertSame(["-printf", f]) }
        try assertSame(["-type", "f", "-printf", "%a %A@ %AH\\n"])
        try assertSame(["lsub", "lf", "dangling", "sub/", "-maxdepth", "0", "-printf", "%f|%h|%P|%H|%Y|%y\\n"])
        try assertSame(["-L", ".", "-printf", "%y %Y %p\\n"])
    }

    func testLsMatchesGNU() throws {
        try assertSame(["-ls"])
        try assertSame(["-type", "l", "-ls"])
        try assertSame(["/dev/null", "-ls"])
    }

    /// -user and %u name ids from the root the path is in: under
    /// /proc/PID/root, the container's own /etc/passwd (here, this
    /// process's root, which is the host's, so GNU agrees).
    func testNamesUnderAProcessRoot() throws {
        let p = "/proc/\(getpid())/root" + dir + "/t"
        let t = try toolbox([p, "-maxdepth", "1", "-user", "root", "-name", "f", "-printf", "%u %g %P\\n"])
        XCTAssertEqual(t.out, "root root f\n")
        let e = try toolbox([p, "-maxdepth", "1", "-name", "f", "-exec", "echo", "{}", ";"])
        XCTAssertEqual(e.out, p + "/f\n")
    }
}
