import XCTest

/// toolbox grep against GNU grep 3.8 (LC_ALL=C) on files the test writes.
final class GrepTests: XCTestCase {
    func testPatternsAndSyntax() throws {
        let f = try TextFixture()
        let cases: [[String]] = [
            ["word", "log"], ["-F", "word", "log"], ["-E", "err(or)?|warn", "log"], ["err\\(or\\)\\?\\|warn", "log"],
            ["-i", "error", "log"], ["-v", "word", "log"], ["-c", "word", "log"], ["-n", "word", "log"],
            ["-w", "word", "log"], ["-x", "wordy", "log"], ["-F", "-x", "wordy", "log"], ["-o", "wo[a-z]*", "log"],
            ["-E", "^[0-9]+-", "log"], ["^$", "log"], ["-c", "^", "log"], ["-E", "a{2}", "log"],
            ["-e", "INFO", "-e", "ERROR", "log"], ["-F", "-e", "disk", "-e", "slow", "log"], ["-E", "(w)o\\1", "log"],
            ["-ow", "word", "log"], ["-Fw", "-e", "wor", "-e", "word", "log"], ["-iw", "WORD", "log"],
            ["-m", "2", "word", "log"], ["-m", "0", "word", "log"], ["-q", "word", "log"], ["-q", "absent", "log"],
            ["-l", "word", "log", "nonl", "crlf"], ["-L", "word", "log", "nonl", "crlf"], ["-h", "word", "log", "crlf"],
            ["-H", "word", "log"], ["-c", "word", "log", "nonl", "empty"], ["gamma", "nonl"], ["-v", "beta", "nonl"],
            ["word$", "crlf"], ["-c", "", "crlf"], ["word", "empty"], ["word", "long"], ["-c", "-o", "b", "long"],
            ["word", "nul"], ["-c", "word", "nul"], ["-a", "word", "nul"], ["-z", "word", "nul"],
            ["-Z", "-l", "word", "log", "crlf"], ["", "nonl"], ["-E", "", "nonl"],
            ["-f", "/dev/null", "log"], ["word", "nonexistent", "log"], ["-s", "word", "nonexistent", "log"],
            ["-q", "word", "nonexistent", "log"], ["word", "tree"], ["a\\(", "log"], ["-E", "a(", "log"],
            ["--color=always", "-n", "-H", "wor[a-z]", "log"], ["--color=always", "-v", "-C1", "word", "log"],
            ["--color=always", "-o", "word", "log"], ["--color=never", "word", "log"],
        ]
        for c in cases { assertSameAsGNU("grep", c, in: f) }
    }

    func testContext() throws {
        let f = try TextFixture()
        for c: [String] in [["-A1", "word", "log"], ["-B2", "word", "log"], ["-C1", "-n", "err", "log"],
                            ["-2", "warn", "log"], ["-A1", "-m1", "word", "log"], ["-B1", "word", "log", "crlf"],
                            ["-v", "-C1", "o", "log"], ["-c", "-A3", "word", "log"], ["-A5", "-m2", "-n", "o", "log"]] {
            assertSameAsGNU("grep", c, in: f)
        }
    }

    func testStandardInputAndRecursion() throws {
        let f = try TextFixture()
        let log = Array("a word\nnone\nword\n".utf8)
        assertSameAsGNU("grep", ["word"], stdin: log, in: f)
        assertSameAsGNU("grep", ["-H", "-c", "word"], stdin: log, in: f)
        assertSameAsGNU("grep", ["word", "-", "log"], stdin: log, in: f)
        assertSameAsGNU("grep", ["word"], stdin: [0x77, 0x6f, 0x72, 0x64, 0, 0x0A], in: f)
        for c: [String] in [["-r", "word", "tree"], ["-rl", "word", "tree"], ["-rc", "word", "tree"], ["-r", "--include=*.txt", "word", "tree"],
                            ["-r", "--exclude=*.txt", "word", "tree"], ["-r", "--exclude-dir=sub", "word", "tree"],
                            ["-rh", "word", "tree"], ["-r", "word", "tree/a.txt"], ["-R", "word", "tree"], ["-rL", "word", "tree"]] {
            assertSameAsGNU("grep", c, in: f)
        }
    }

    func testRecursionWithoutOperandSearchesTheWorkingDirectory() throws {
        let f = try TextFixture()
        let sub = TextFixture.sub(f, "tree")
        assertSameAsGNU("grep", ["-r", "word"], in: sub)
    }

    /// A symbolic link inside a tree is skipped by -r and followed by -R.
    func testSymlinks() throws {
        let f = try TextFixture()
        try FileManager.default.createSymbolicLink(atPath: f.dir + "/tree/link.txt", withDestinationPath: "../log")
        assertSameAsGNU("grep", ["-r", "word", "tree"], in: f)
        assertSameAsGNU("grep", ["-R", "-c", "word", "tree"], in: f)
    }
}

extension TextFixture {
    /// A fixture view rooted at a subdirectory (shares the files).
    static func sub(_ f: TextFixture, _ path: String) -> TextFixture { TextFixture(existing: f.dir + "/" + path, owner: f) }
    convenience init(existing: String, owner: TextFixture) {
        self.init(borrowing: existing)
        keepAlive = owner
    }
}
