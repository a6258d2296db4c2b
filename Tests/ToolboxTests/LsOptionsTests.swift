import Foundation
import ToolboxCore
import XCTest

/// ls's GNU options (issue 15): colours and LS_COLORS, quoting styles, the
/// layouts and the selection/sorting/time options, each compared byte for
/// byte (stdout, stderr, exit status) with GNU ls run on the same tree
/// under LC_ALL=C and TZ=UTC: on a pipe, and under a pseudo-terminal
/// (script(1)) for what depends on one.
final class LsOptionsTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-lsopts-\(getpid())-\(UUID().uuidString.prefix(6))").path
        let d = dir
        let script = """
        set -e
        mkdir -p \(d)/t/sub/deeper \(d)/t/.hid \(d)/t/Upper \(d)/t/empty
        cd \(d)/t
        printf hello > f; chmod 4755 f
        printf x > g; chmod 2644 g
        mkdir sticky; chmod 1777 sticky; mkdir ow; chmod 777 ow; mkdir st; chmod 1755 st
        mkfifo pipe; mknod null c 1 3
        python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('sock')"
        ln -s f lf; ln -s /nonexistent dangling; ln -s sub lsub; ln -s exec.sh lexec
        ln f hard
        dd if=/dev/zero of=big bs=1024 count=1536 status=none
        dd if=/dev/zero of=k10 bs=1 count=10241 status=none
        truncate -s 5G sparse
        touch -d '2019-12-31 23:59:59' old; touch -d '+2 days' future
        touch 'with space' 'B' 'a' '_x' .dot sub/deeper/leaf.txt sub/y.txt
        touch "it's" 'a"b' 'back\\slash' 'col:on' 'dollar$' 'star*' 'at@' 'q?' '#hash' 'mid#hash' '~tilde' '{' 'x{' 'eq=' 'pipe|'
        touch "$(printf 'new\\nline')" "$(printf 'tab\\there')" "$(printf 'esc\\033[31m')" "$(printf 'bytes\\377\\376')" "$(printf 'utf\\303\\251')" "$(printf 'c1\\302\\233x')" "$(printf 'del\\177')" "$(printf 'quote\\047and\\nnl')"
        touch photo.jpg PHOTO.JPG arch.tar.gz notes.TXT readme.md Makefile
        touch file1.10 file1.9 file1.2 file1.2~ file1.2.bak file-1.0a v10 v9 v1.0~rc1
        printf '#!/bin/sh\\n' > exec.sh; chmod 755 exec.sh
        chown 1000:1000 g; chown 65534:65534 old; chown 4242:4343 a
        touch -a -d '2021-03-04 05:06:07.123456789' a B f; touch -m -d '2022-06-07 08:09:10.5' a
        """
        let r = try sh(script)
        XCTAssertEqual(r.code, 0, r.err)
        // Settle the directories' atimes (GNU ls reads without O_NOATIME).
        _ = try gnu(["-laRu"])
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    struct Out: Equatable { var out: Data; var err: Data; var code: Int32 }

    func run(_ exe: String, _ args: [String], _ env: [String: String]) throws -> Out {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ["LC_ALL": "C", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
        for (k, v) in env { e[k] = v }
        p.environment = e
        p.currentDirectoryURL = URL(fileURLWithPath: dir + "/t")
        let o = Pipe(), er = Pipe()
        p.standardOutput = o; p.standardError = er
        p.standardInput = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        let h = er.fileHandleForReading
        DispatchQueue.global().async { errBox.data = h.readDataToEndOfFile(); group.leave() }
        let out = o.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Out(out: out, err: errBox.data, code: p.terminationStatus)
    }

    func gnu(_ args: [String], env: [String: String] = [:]) throws -> Out { try run(try which("ls"), args, env) }

    func show(_ d: Data) -> String {
        String(decoding: d, as: UTF8.self).unicodeScalars.map { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F ? "\\x\(String($0.value, radix: 16))" : String($0) }.joined()
    }

    /// GNU's stderr with its program name and "Try" line as toolbox words them.
    func gnuErr(_ d: Data) throws -> Data {
        let lines = String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(try! which("ls") + ": ") ? "ls: " + line.dropFirst(try! which("ls").count + 2) : String(line)
        }
        return Data(lines.joined(separator: "\n").replacingOccurrences(of: "Try '\(try which("ls")) --help'", with: "Try 'toolbox ls --help'").utf8)
    }

    /// Runs toolbox ls and GNU ls with `args` (on a pipe) and compares all three results.
    func compare(_ args: [String], env: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try run(try toolboxBinary(), ["ls"] + args, env)
        let g = try gnu(args, env: env)
        let label = "ls \(args.joined(separator: " ")) \(env)"
        XCTAssertEqual(show(t.out), show(g.out), label, file: file, line: line)
        XCTAssertEqual(t.out, g.out, label + " (bytes)", file: file, line: line)
        XCTAssertEqual(show(t.err), show(try gnuErr(g.err)), label + " (stderr)", file: file, line: line)
        // GNU exits 2 where toolbox's convention is 1 (an unreachable operand);
        // usage errors are 2 for both.
        XCTAssertEqual(t.code == 0, g.code == 0, label + " (status \(t.code) vs \(g.code))", file: file, line: line)
    }

    /// The same under a pseudo-terminal: script(1) runs each command.
    func compareOnTerminal(_ args: [String], env: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let cmdArgs = args.map(q).joined(separator: " ")
        var e = env
        if e["COLUMNS"] == nil { e["COLUMNS"] = "80" }
        let t = try run(try which("script"), ["-qec", "\(q(try toolboxBinary())) ls \(cmdArgs)", "/dev/null"], e)
        let g = try run(try which("script"), ["-qec", "\(q(try which("ls"))) \(cmdArgs)", "/dev/null"], e)
        let label = "(tty) ls \(args.joined(separator: " ")) \(env)"
        XCTAssertEqual(show(t.out), show(g.out), label, file: file, line: line)
        XCTAssertEqual(t.out, g.out, label + " (bytes)", file: file, line: line)
        XCTAssertEqual(t.code == 0, g.code == 0, label + " (status)", file: file, line: line)
    }

    // MARK: colours

    func testColorDefaultsMatchGNU() throws {
        let term = ["TERM": "xterm"]
        for args in [["--color=always"], ["--color"], ["--color=yes"], ["--color=always", "-l"], ["--color=always", "-la"],
                     ["--color=always", "-F"], ["--color=always", "-lF"], ["--color=always", "-lR", "sub"], ["--color=always", "-C"],
                     ["--color=always", "-x", "-w", "50"], ["--color=always", "-m"], ["--color=always", "-li"],
                     ["--color=always", "-l", "lf", "lsub", "dangling", "f", "sub"], ["--color=always", "-d", "sticky", "ow", "st"],
                     ["--color=always", "-1", "--group-directories-first"], ["--color=never"], ["--color=auto"], ["--color=al"]] {
            try compare(args, env: term)
        }
        // No LS_COLORS: colour only for a TERM dircolors knows, or COLORTERM.
        try compare(["--color=always"], env: ["TERM": "dumb"])
        try compare(["--color=always"], env: ["COLORTERM": "truecolor"])
        try compare(["--color=always", "-l"], env: [:])
        try compare(["--color=always"], env: ["TERM": "screen-256color"])
        try compare(["--color=bogus"], env: term)
    }

    func testLsColorsParsingMatchesGNU() throws {
        let colors = [
            "di=01;34:ln=01;36:*.jpg=01;35:*.JPG=32:*.tar.gz=31:*.md=4:or=40;31;01:mi=05;37;41:ex=01;32",
            "no=00;37:fi=00:di=34:ln=target:*.txt=33",
            "lc=\\e[:rc=m:ec=\\e[0m\\e[K:di=1;34",
            "rs=0:ow=1;4:tw=7:st=44:su=41:sg=43:pi=\\x31;33:so=\\0635:bd=^[[1m:cd=1:mh=36:ca=30;41",
            "*.JpG=1:*.jpg=2:*.jpg=3:*Makefile=4;32",
            "*.jpg=1:*.JPG=1:*.Jpg=2",
            "fi=:di=",
            "cl=:di=01;34",
            "xx=1",
            "di=1:*.x",
            "di",
            "di=\\",
            "di=^",
            ":::di=7:::",
        ]
        for c in colors {
            for args in [["--color=always"], ["--color=always", "-l"], ["--color=always", "-la"], ["--color=always", "-x", "-w", "60"]] {
                try compare(args, env: ["LS_COLORS": c])
            }
        }
        // Long names cross the line width: GNU appends \e[K.
        try compare(["--color=always", "-l", "-w", "30"], env: ["TERM": "xterm"])
        try compare(["--color=always", "-l"], env: ["TERM": "xterm", "COLUMNS": "40"])
    }

    func testColorOnTerminalMatchesGNU() throws {
        try compareOnTerminal(["--color=auto"], env: ["TERM": "xterm"])
        try compareOnTerminal(["--color=auto", "-l"], env: ["TERM": "xterm"])
        try compareOnTerminal(["--color=auto", "-F", "--classify=auto"], env: ["TERM": "xterm"])
    }

    // MARK: quoting

    func testQuotingStylesMatchGNU() throws {
        for style in ["literal", "shell", "shell-always", "shell-escape", "shell-escape-always", "c", "c-maybe", "escape", "locale", "clocale"] {
            for extra in [[], ["-l"], ["-C", "-w", "100"], ["-x"], ["-F"], ["-lF"], ["-m"], ["-q"], ["--file-type"]] {
                try compare(["--quoting-style=" + style] + extra)
            }
        }
        for args in [["-Q"], ["-b"], ["-q"], ["-N"], ["-bN"], ["-Nb"], ["-Qq"], ["-l", "-Q"], ["-R", "-b"], ["-lb", "lf", "sub"],
                     ["--quoting-style=sh"], ["--quoting-style=bogus"], ["-Q", "col:on", "sub", "ow"]] {
            try compare(args)
        }
        try compare([], env: ["QUOTING_STYLE": "c"])
        try compare([], env: ["QUOTING_STYLE": "nope"])
        try compare(["-N"], env: ["QUOTING_STYLE": "c"])
    }

    func testTerminalQuotingMatchesGNU() throws {
        for args in [[], ["-l"], ["-1"], ["-x"], ["-m"], ["-N"], ["--show-control-chars"], ["-b"], ["-Q"], ["--quoting-style=shell"],
                     ["--quoting-style=literal"], ["-C", "-w", "120"], ["-F"], ["-l", "lf", "sub", "col:on"], ["-R", "sub"]] {
            try compareOnTerminal(args)
        }
    }

    func testUTF8NamesOnTerminalMatchGNU() throws {
        guard try sh("locale -a | grep -qi 'c.utf-\\?8'").code == 0 else { return XCTFail("C.UTF-8 locale missing") }
        for args in [[], ["-l"], ["-1"], ["-b"], ["-N"]] {
            try compareOnTerminal(args, env: ["LC_ALL": "C.UTF-8"])
        }
        try compare(["-b"], env: ["LC_ALL": "C.UTF-8"])
        try compare(["-q"], env: ["LC_ALL": "C.UTF-8"])
    }

    // MARK: layout and selection

    func testLayoutOptionsMatchGNU() throws {
        let combos: [[String]] = [
            ["-x"], ["-m"], ["-C"], ["-x", "-w", "40"], ["-C", "-w", "40"], ["-m", "-w", "40"], ["-C", "-w", "0"], ["-x", "-w", "0"],
            ["-m", "-w", "0"], ["-w", "1", "-C"], ["-w", "x"], ["-T", "4", "-C"], ["-T", "0", "-C"], ["--format=across"],
            ["--format=commas"], ["--format=long"], ["--format=verbose"], ["--format=single-column"], ["--format=vertical"],
            ["-o"], ["-g"], ["-G", "-l"], ["-og"], ["-s"], ["-ls"], ["-sk"], ["-sh"], ["-lsh"], ["--si", "-ls"], ["-lh", "--si"],
            ["-s", "-C"], ["-si", "-x"], ["-si", "-m"], ["-lsi"], ["-U"], ["-lU"], ["-f"], ["-fl"], ["-lf"], ["-X"], ["-lX"],
            ["-v"], ["-vr"], ["-c"], ["-lc"], ["-lct"], ["-u"], ["-lu"], ["-lut"], ["-p"], ["-lp"], ["-L"], ["-lL"],
            ["-H", "lsub", "lf"], ["-lH", "lsub", "lf", "dangling"], ["-L", "lsub"], ["-lL", "dangling", "f"], ["-lLR", "sub"],
            ["-I", "*.jpg"], ["-I", "file*", "-I", "v*"], ["--ignore=.*", "-a"], ["--hide=*.jpg"], ["--hide=*.jpg", "-a"],
            ["--hide=f*", "-I", "v*"], ["-B"], ["-Z"], ["-lZ"], ["-Zi"], ["--context", "-m"],
            ["--sort=none"], ["--sort=size"], ["--sort=time"], ["--sort=version"], ["--sort=extension"], ["--sort=name"],
            ["--sort=width"], ["--sort=w"], ["--sort=bogus"], ["-l", "--sort=size", "-r"],
            ["--time=ctime", "-l"], ["--time=atime", "-l"], ["--time=access"], ["--time=use", "-lt"], ["--time=status"],
            ["--time=mtime", "-t"], ["--time=bogus"],
            ["-l", "--time-style=full-iso"], ["-l", "--time-style=long-iso"], ["-l", "--time-style=iso"], ["-l", "--time-style=locale"],
            ["-l", "--time-style=+%Y/%m/%d %T.%N"], ["-l", "--time-style=+old %F\nnew %R"], ["-l", "--time-style=posix-iso"],
            ["-l", "--time-style=bogus"], ["-l", "--time-style=+a\nb\nc"], ["--time-style=bogus"], ["--full-time"], ["--full-time", "-u"],
            ["--group-directories-first"], ["-l", "--group-directories-first"], ["--group-directories-first", "-r"],
            ["--group-directories-first", "-U"], ["-F"], ["--classify"], ["--classify=always"], ["--classify=never"], ["--classify=auto"],
            ["--classify=x"], ["--indicator-style=none"], ["--indicator-style=slash"], ["--indicator-style=file-type"],
            ["--indicator-style=classify"], ["--file-type"], ["-l", "--file-type"], ["-lp", "lsub", "lf"], ["-F", "-l", "lsub", "lexec"],
            ["-Fx"], ["-pm"], ["-i", "-x"], ["-lt", "old", "future", "f"], ["-R", "-x", "sub"], ["-R", "-m", "sub"],
            ["-S", "-x"], ["-Sr", "-m"], ["-tr"], ["--time=birth", "-l", "f", "a"],
        ]
        for args in combos {
            try compare(args, env: ["COLUMNS": "80"])
        }
        try compare(["-x"], env: ["COLUMNS": "oops"])
        try compare(["-C"], env: ["COLUMNS": "50", "TABSIZE": "4"])
        try compare(["-ls"], env: ["POSIXLY_CORRECT": "1"])
        try compare(["-l"], env: ["TIME_STYLE": "long-iso"])
    }

    /// --block-size (GNU human.c): a number, a suffix (K M G..., KB = 1000,
    /// KiB = 1024) or both; a suffix alone is printed after each size; the
    /// later of -h/--si/--block-size wins; invalid or 0 is a usage error.
    func testBlockSizeMatchesGNU() throws {
        for args in [["-l", "--block-size=K"], ["-l", "--block-size=1K"], ["-ls", "--block-size=M"], ["-l", "--block-size=KB"],
                     ["-l", "--block-size=KiB"], ["-s", "--block-size=1000"], ["-l", "--block-size=512"], ["-ls", "--block-size=1M"],
                     ["-l", "--block-size=human-readable"], ["-l", "--block-size=si"], ["-lh", "--block-size=K"],
                     ["-l", "--block-size=K", "-h"], ["-l", "--block-size=0"], ["-l", "--block-size=x"], ["-l", "--block-size=2Q"], ["-l", "--block-size=K9"], ["-l", "--block-size=0K"], ["-l", "--block-size=1X"],
                     ["-s", "--block-size=G"], ["-l", "--block-size='1K"]] {
            try compare(args, env: ["COLUMNS": "80"])
        }
    }

    func testLsOnTerminalLayoutMatchesGNU() throws {
        for args in [["-x"], ["-m"], ["-s"], ["-i"], ["-F"], ["-p"], ["--classify=auto"], ["-w", "60"]] {
            try compareOnTerminal(args)
        }
    }
}
