import Foundation
import ToolboxCore
import XCTest

final class OptionParserTests: XCTestCase {
    let spec = AppletSpec(name: "t", summary: "test", usage: [""], options: [
        .flag("t", "tcp", "tcp"), .flag("u", "udp", "udp"), .flag("n", "numeric", "numeric"),
        .value("o", "format", "FMT", "format"), .flag("l", nil, "listening"), .value(nil, "sort", "KEYS", "sort"),
    ])

    func testShortClustersLongFormsAndOperands() throws {
        let p = try spec.parse(["-tun", "x", "--numeric", "--format=a,b", "-o", "c", "-ld", "--sort", "pid", "y"].filter { $0 != "-ld" })
        XCTAssertEqual(p.count("tcp"), 1)
        XCTAssertEqual(p.count("udp"), 1)
        XCTAssertEqual(p.count("numeric"), 2)
        XCTAssertEqual(p.values("format"), ["a,b", "c"])
        XCTAssertEqual(p.value("sort"), "pid")
        XCTAssertEqual(p.operands, ["x", "y"])
    }

    func testAttachedValueAndDoubleDash() throws {
        let p = try spec.parse(["-ocomm", "-l", "--", "-t", "-"])
        XCTAssertEqual(p.value("format"), "comm")
        XCTAssertTrue(p.has("l"))
        XCTAssertFalse(p.has("tcp"))
        XCTAssertEqual(p.operands, ["-t", "-"])
    }

    func testClusterEndingInValueOption() throws {
        let p = try spec.parse(["-tlo", "pid"])
        XCTAssertTrue(p.has("tcp") && p.has("l"))
        XCTAssertEqual(p.value("format"), "pid")
    }

    func testLongPrefixAbbreviation() throws {
        XCTAssertTrue(try spec.parse(["--num"]).has("numeric"))
    }

    func testUsageErrors() {
        XCTAssertThrowsError(try spec.parse(["-x"])) { e in
            XCTAssertEqual((e as? ToolError)?.exitCode, 2)
            XCTAssertTrue((e as? ToolError)?.message.hasPrefix("invalid option -- 'x'") ?? false)
        }
        XCTAssertThrowsError(try spec.parse(["--bogus"])) { XCTAssertEqual(($0 as? ToolError)?.exitCode, 2) }
        XCTAssertThrowsError(try spec.parse(["-o"])) { XCTAssertEqual(($0 as? ToolError)?.exitCode, 2) }
        XCTAssertThrowsError(try spec.parse(["--tcp=1"])) { XCTAssertEqual(($0 as? ToolError)?.exitCode, 2) }
    }

    func testHelpComesFromTheTable() {
        let help = spec.helpText
        XCTAssertTrue(help.contains("  -o, --format=FMT"), help)
        XCTAssertTrue(help.contains("      --sort=KEYS"), help)
        XCTAssertTrue(help.contains("  -l   "), help)
        for o in spec.options { XCTAssertTrue(help.contains(o.help), o.help) }
    }

    func testNoPermuteStopsAtFirstOperand() throws {
        let s = AppletSpec(name: "t", summary: "", usage: [], options: [.flag("a", nil, "a")], permute: false)
        let p = try s.parse(["x", "-a"])
        XCTAssertFalse(p.has("a"))
        XCTAssertEqual(p.operands, ["x", "-a"])
    }
}

final class ByteScannerTests: XCTestCase {
    func testNumbersAndOverflow() {
        withBytes(Array("  42 -7 18446744073709551615 18446744073709551616 ff".utf8)) { b in
            var s = ByteScanner(b)
            XCTAssertEqual(s.uint(), 42)
            XCTAssertEqual(s.int(), -7)
            XCTAssertEqual(s.uint(), UInt64.max)
            XCTAssertNil(s.uint())
        }
        withBytes(Array("00000000000805fb 1ffffffffffffffff".utf8)) { b in
            var s = ByteScanner(b)
            XCTAssertEqual(s.hex(), 0x805fb)
            XCTAssertNil(s.hex())
        }
    }

    func testEmptyAndGarbageNeverTrap() {
        for text in ["", " ", "-", "x", "\n\n", ":::", "\u{0}\u{1}"] {
            withBytes(Array(text.utf8)) { b in
                var s = ByteScanner(b)
                _ = s.int(); _ = s.hex(); _ = s.field(); _ = s.upTo(ASCII.colon)
                XCTAssertNil(PidStatus.parse(b).flatMap { $0.pid })
            }
        }
    }
}

final class WriterTests: XCTestCase {
    func testDecimalPaddingAndHex() {
        let w = OutputWriter.memory()
        w.decimal(5, width: 4); w.byte(0x7C)
        w.decimal(-12, width: 4, leftAlign: true); w.byte(0x7C)
        w.decimal(Int64.min); w.byte(0x7C)
        w.decimal(UInt64.max); w.byte(0x7C)
        w.hex(0x805fb, digits: 16); w.byte(0x7C)
        w.padded("abc", width: 5); w.padded("toolong", width: 3, leftAlign: false)
        w.flush()
        XCTAssertEqual(w.capturedString, "   5|-12 |-9223372036854775808|18446744073709551615|00000000000805fb|abc  toolong")
    }

    func testLargeOutputIsChunkedNotLost() {
        let w = OutputWriter.memory()
        for i in 0..<100_000 { w.decimal(i); w.byte(ASCII.newline) }
        w.flush()
        XCTAssertEqual(w.captured.filter { $0 == ASCII.newline }.count, 100_000)
    }

    func testBrokenPipeIsSilentAndStopsWriting() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        signal(SIGPIPE, SIG_IGN)
        let w = OutputWriter(.fd(FileDescriptor(rawValue: fds[1])), capacity: 16)
        w.write("hello, this is more than sixteen bytes\n")
        w.flush()
        XCTAssertTrue(w.isBroken)
        XCTAssertNil(w.failure)
        close(fds[1])
    }
}

final class SourceRulesTests: XCTestCase {
    /// toolbox is Glibc-only: nothing under Sources/ may import Foundation.
    func testSourcesDoNotImportFoundation() throws {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        // All of them (the same count as find(1) gives), not just some.
        let listed = try runProcess("/usr/bin/find", [sources.path, "-name", "*.swift", "-type", "f"])
        XCTAssertEqual(files.count, listed.out.split(separator: "\n").count)
        for f in files {
            let text = try String(contentsOf: sources.appendingPathComponent(f), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                XCTAssertFalse(t.range(of: #"^(@_exported\s+)?import\s+(Foundation|FoundationEssentials)\b"#, options: .regularExpression) != nil,
                               "\(f) imports Foundation: \(t)")
            }
        }
    }

    /// The only `canImport(Glibc)` / `import Glibc` lives in ToolboxSystem/Platform.swift.
    func testLibcImportedInOneFile() throws {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var importers: [String] = []
        for f in files {
            let text = try String(contentsOf: sources.appendingPathComponent(f), encoding: .utf8)
            if text.contains("import Glibc") || text.contains("import Musl") { importers.append(f) }
        }
        XCTAssertEqual(importers, ["ToolboxSystem/Platform.swift"])
    }

    /// Every Swift file under Sources/, relative path and text.
    private func sourceFiles() throws -> [(path: String, text: String)] {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        return try files.sorted().map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// Raw system calls that only the system layer may make (issue 10): the
    /// file, directory, terminal and thread calls the readers are built on.
    /// Everything above ToolboxSystem calls its wrappers (FileDescriptor,
    /// readLink, DirectoryReader, Terminal, BackgroundThread), which retry
    /// EINTR, throw `Errno` and keep one implementation of each.
    static let rawCall = try! NSRegularExpression(pattern:
        #"(?<![A-Za-z0-9_.])(openat|read|readdir|opendir|fdopendir|readlinkat|ioctl|isatty|pthread_create|Glibc_read)\("# +
        #"|getdents|TIOCGWINSZ"#)

    /// The raw calls on one line of Swift (comments and `func NAME(`
    /// declarations are not calls).
    static func rawCalls(_ line: Substring) -> [String] {
        var code = String(line)
        if let c = code.range(of: "//") { code = String(code[..<c.lowerBound]) }
        let ns = code as NSString
        return rawCall.matches(in: code, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            let before = ns.substring(to: m.range.location)
            if before.hasSuffix("func ") { return nil }
            return ns.substring(with: m.range)
        }
    }

    /// The matcher finds what it must (so the rule below can fail) and
    /// skips wrappers, methods, declarations and comments.
    func testRawCallMatcher() {
        XCTAssertEqual(Self.rawCalls("let fd = openat(dir, p, O_RDONLY)"), ["openat("])
        XCTAssertEqual(Self.rawCalls("    while read(0, &c, 1) == 1 {"), ["read("])
        XCTAssertEqual(Self.rawCalls("if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0"), ["ioctl(", "TIOCGWINSZ"])
        XCTAssertEqual(Self.rawCalls("guard let d = fdopendir(fd) else { return }; while let e = readdir(d) {"), ["fdopendir(", "readdir("])
        XCTAssertEqual(Self.rawCalls("let n = cshim_getdents64(fd, b, 4096)"), ["getdents"])
        XCTAssertEqual(Self.rawCalls("pthread_create(&t, nil, f, a); isatty(1)"), ["pthread_create(", "isatty("])
        XCTAssertEqual(Self.rawCalls("let n = Glibc_read(s, p, c); readlinkat(d, n, b, 63)"), ["Glibc_read(", "readlinkat("])
        XCTAssertEqual(Self.rawCalls("try fd.read(into: b); toolbox_borrow_openat(d, p); procfs.read(x)"), [])
        XCTAssertEqual(Self.rawCalls("    func read(_ a: [String]) throws -> Int32 {"), [])
        XCTAssertEqual(Self.rawCalls("// read(2) into the buffer, then openat("), [])
    }

    /// Raw file, directory, terminal and thread calls appear only in the
    /// system layer, ToolboxSystem. No other layer is exempt: ToolboxProc's
    /// confined open and the process table, ToolboxNet's socket owners,
    /// the applets and the shell all go through its wrappers.
    func testRawSystemCallsOnlyInSystemLayer() throws {
        let files = try sourceFiles()
        XCTAssertGreaterThan(files.count, 100)
        var inSystem = 0
        var violations: [String] = []
        for f in files {
            for (n, line) in f.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let calls = Self.rawCalls(line)
                if calls.isEmpty { continue }
                if f.path.hasPrefix("ToolboxSystem/") { inSystem += calls.count; continue }
                violations.append("\(f.path):\(n + 1): \(calls.joined(separator: " ")): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        // The wrappers themselves are found (the scan sees the system layer).
        XCTAssertGreaterThan(inSystem, 5)
        XCTAssertEqual(violations, [], "raw system calls outside ToolboxSystem:\n" + violations.joined(separator: "\n"))
    }

    /// A file that reads /etc/passwd or /etc/group in code (not in a
    /// comment or help text) hands the bytes to the one parser: IDNames,
    /// UserDatabase or PasswdFile (ToolboxFormats/Passwd.swift, its one line
    /// splitter). A second hand-written split of passwd lines fails here.
    static func readsPasswdWithoutTheParser(_ text: String) -> Bool {
        let code = text.split(separator: "\n").filter {
            let t = $0.drop { $0 == " " }
            return !t.hasPrefix("//") && !t.hasPrefix("\"") && !t.hasPrefix(".") // comments, help strings, option rows
        }.joined(separator: "\n")
        let reads = code.contains("etc/passwd\"") || code.contains("etc/group\"")
        return reads && !["IDNames", "UserDatabase", "PasswdFile"].contains { code.contains($0) }
    }

    func testPasswdParserRuleMatcher() {
        // The shell's ~user expansion before it used PasswdFile.
        XCTAssertTrue(Self.readsPasswdWithoutTheParser("""
            if let bytes = try? readWholeFile("/etc/passwd") {
                for line in text.split(separator: "\\n") { let f = line.split(separator: ":") }
            }
            """))
        XCTAssertFalse(Self.readsPasswdWithoutTheParser("return IDNames.load(root + \"/etc/passwd\") ?? IDNames()"))
        XCTAssertFalse(Self.readsPasswdWithoutTheParser("    /// names from /etc/passwd\"\n    \"inside /etc/group\","))
    }

    func testOnePasswdParser() throws {
        let files = try sourceFiles()
        let readers = files.filter { $0.text.contains("etc/passwd\"") }
        XCTAssertGreaterThan(readers.count, 3)
        let own = files.filter { $0.path != "ToolboxFormats/Passwd.swift" && Self.readsPasswdWithoutTheParser($0.text) }.map(\.path)
        XCTAssertEqual(own, [], "files that read passwd/group without IDNames, UserDatabase or PasswdFile")
    }

    /// One directory walker (issue 10): every recursive walk (ls -R, find,
    /// tar -c, du, grep -r) goes through ToolboxProc/DirectoryWalk.swift.
    /// The other files that read directories read one level each; they are
    /// listed here with what they read. A file that starts reading
    /// directories must join the list with its reason, or use the walker.
    static let oneLevelDirectoryReaders: [String: String] = [
        "ToolboxApplets/Files/Ls.swift": "the listing of one directory (-R walks with DirectoryWalk)",
        "ToolboxApplets/Files/Find.swift": "-empty: whether one directory has an entry",
        "ToolboxApplets/Inspect/Lsof.swift": "/proc/PID/fd of one process",
        "ToolboxShell/Interactive.swift": "Tab completion: the entries of one directory",
        "ToolboxProc/ProcessTable.swift": "the pid entries of /proc",
        "ToolboxProc/ProcFS.swift": "forEachDirectoryEntry: the pid entries of /proc",
        "ToolboxProc/ProcAccess.swift": "the name of a directory in its parent (the working directory's path)",
        "ToolboxProc/OpenFiles.swift": "/proc/PID/fd of one process",
        "ToolboxNet/SocketOwners.swift": "/proc and each /proc/PID/fd",
    ]

    func testOneDirectoryWalker() throws {
        let readers = try sourceFiles().filter {
            !$0.path.hasPrefix("ToolboxSystem/") && ($0.text.contains("DirectoryReader(") || $0.text.contains("reader.forEach("))
        }.map(\.path)
        XCTAssertTrue(readers.contains("ToolboxProc/DirectoryWalk.swift"))
        XCTAssertEqual(Set(readers).subtracting(["ToolboxProc/DirectoryWalk.swift"]), Set(Self.oneLevelDirectoryReaders.keys),
                       "files reading directories outside the walker: use DirectoryWalk, or list a one-level reader with its reason")
    }

    /// One JSON string escaper: the `\u00XX` escape is written only by
    /// ToolboxCLI/JSON.swift (JSONWriter), which every --json output uses.
    func testOneJSONEscaper() throws {
        let writers = try sourceFiles().filter { $0.text.contains(#""\\u00"#) }.map(\.path)
        XCTAssertEqual(writers, ["ToolboxCLI/JSON.swift"])
    }
}
