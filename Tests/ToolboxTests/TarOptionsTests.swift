import Foundation
@testable import ToolboxApplets
import ToolboxCore
import XCTest

/// GNU tar's everyday options (issue 15), each run with GNU tar and with
/// toolbox on the same trees and archives the test makes: same stdout,
/// stderr and exit status (toolbox's 1 where GNU uses 2 for a failed
/// member, as documented), same extracted tree (modes, owners, mtimes).
final class TarOptionsTests: XCTestCase {
    var work = ""
    var bin = ""

    override func setUpWithError() throws {
        bin = try toolboxBinary()
        _ = try which("tar")
        work = NSTemporaryDirectory() + "taropts-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // A small tree: files, a directory, a symlink, modes, owners, mtimes.
        _ = try sh(in: """
        set -e; cd '\(work)'; mkdir -p src/d/e
        printf hi > src/a; printf x > src/d/b; printf log > src/d/e/c.log; printf y > 'src/sp ace'
        ln -s a src/l; chmod 0640 src/a; chmod 0750 src/d; chown 1234:2345 src/d/b
        find src -exec touch -h -d @1700000000 {} +
        tar cf a.tar -C src .
        """)
    }

    override func tearDownWithError() throws {
        _ = try? sh(in: "rm -rf '\(work)'")
    }

    func sh(in cmd: String) throws -> RunResult {
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"; env["LC_ALL"] = "C"; env["TB"] = bin
        let r = try runProcess("/bin/sh", ["-c", cmd], environment: env)
        return r
    }

    /// Runs `cmd` twice, with TAR as GNU tar and as toolbox tar (OUT a fresh
    /// directory per run, made by `prepare` when given), and compares.
    @discardableResult
    func same(_ cmd: String, prepare: String = "", tree: Bool = true, code gnuCode: Int32? = nil,
              file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        var results: [RunResult] = []
        // GNU tar archives directories in readdir order, toolbox in name order.
        for (i, tar) in ["gnutar", "$TB tar"].enumerated() {
            let out = "\(work)/out-\(i)-\(line)"
            _ = try sh(in: "rm -rf '\(out)'; mkdir -p '\(out)'; cd '\(out)'; \(prepare)")
            let c = cmd.replacingOccurrences(of: "TAR", with: tar).replacingOccurrences(of: "OUT", with: out)
            results.append(try sh(in: "gnutar() { tar \"$@\" --sort=name; }; cd '\(work)' && \(c)"))
        }
        let (g, o) = (results[0], results[1])
        XCTAssertEqual(o.out, g.out, "stdout of \(cmd)", file: file, line: line)
        XCTAssertEqual(o.err, g.err, "stderr of \(cmd)", file: file, line: line)
        XCTAssertEqual(o.code, g.code == 2 && !g.err.contains("not recoverable") ? 1 : g.code,
                       "exit status of \(cmd) (GNU: \(g.code))", file: file, line: line)
        if let gnuCode { XCTAssertEqual(g.code, gnuCode, "GNU's status for \(cmd)", file: file, line: line) }
        if tree {
            XCTAssertEqual(try manifest("\(work)/out-1-\(line)"), try manifest("\(work)/out-0-\(line)"), cmd, file: file, line: line)
        }
        return o
    }

    /// One line per entry: type, mode, owner, size, mtime, name, link; and
    /// contents. An mtime of the last hour (a directory made or changed by
    /// the run itself, for both tars) reads `recent`.
    func manifest(_ dir: String) throws -> String {
        try sh(in: """
        now=$(date +%s); cd '\(dir)' && find . -mindepth 1 -printf '%y %#m %U:%G %s %T@ %p -> %l\\n' |
          awk -v now=$now '$5 + 0 > now - 3600 { $5 = "recent" } { print }' | sort &&
          find . -type f -print0 | sort -z | xargs -0 -r sha256sum
        """).out
    }

    // MARK: -h

    func testDereferenceArchivesWhatConfigMapLinksPointTo() throws {
        // A Kubernetes ConfigMap volume: key -> ..data/key, ..data -> ..TIMESTAMP.
        _ = try sh(in: """
        set -e; cd '\(work)'; mkdir -p cm/..2026_11_30_08_00_00.123
        printf 'v1' > cm/..2026_11_30_08_00_00.123/key1; printf 'v2' > cm/..2026_11_30_08_00_00.123/key2
        ln -s ..2026_11_30_08_00_00.123 cm/..data; ln -s ..data/key1 cm/key1; ln -s ..data/key2 cm/key2
        ln -s nowhere dangling
        find cm -exec touch -h -d @1700000000 {} +
        """)
        try same("TAR chf - -C cm key1 key2 ..data | tar tvf -", tree: false)
        try same("TAR -c -h -f - -C cm . | tar xf - -C OUT")
        try same("TAR --dereference -cvf OUT/x.tar cm/key1 && tar tvf OUT/x.tar", tree: false)
        // Without -h the links stay links.
        try same("TAR cf - -C cm . | tar tvf -", tree: false)
        // A dangling link: GNU's message, the rest archived.
        try same("TAR chf - dangling cm/key2 | tar tf -", tree: false)
    }

    // MARK: -X, --exclude, -T, --null

    func testExcludePatternsOnCreateListAndExtract() throws {
        _ = try sh(in: "printf 'b\\n*.log\\n' > '\(work)/ex'")
        try same("TAR cf - --exclude=b -C src . | tar tf -", tree: false)
        try same("TAR cf - --exclude='*.log' --exclude='sp*' -C src . | tar tf -", tree: false)
        try same("TAR cf - -X ex -C src . | tar tf -", tree: false)
        try same("TAR cf - --exclude-from=ex -C src d | tar tf -", tree: false)
        try same("TAR cf - --exclude=./d -C src . | tar tf -", tree: false)
        try same("TAR cf - --exclude='d/*' -C src . | tar tf -", tree: false)
        try same("TAR tf a.tar --exclude=d", tree: false)
        try same("TAR tf a.tar --exclude='*a'", tree: false)
        try same("TAR xf a.tar -C OUT --exclude=e --exclude=l")
    }

    func testFilesFromAFileStdinAndNulSeparated() throws {
        _ = try sh(in: "printf 'a\\n\\nd/e\\nsp ace\\n' > '\(work)/list'")
        try same("TAR cf - -C src -T \(work)/list | tar tvf -", tree: false)
        try same("TAR cf - -C src l --files-from=\(work)/list | tar tf -", tree: false)
        // The names go where -T is, with the -C in effect there.
        try same("TAR cf - -C src --files-from=\(work)/list l | tar tf -", tree: false)
        try same("mkdir -p OUT/d/e && TAR cf - -C src a -C d -T \(work)/list b | tar tf -", tree: false)
        try same("printf 'a\\nd/b\\n' | TAR cf - -C src -T - | tar tf -", tree: false)
        try same("printf 'a\\0sp ace\\0' | TAR cf - -C src --null -T - | tar tf -", tree: false)
        try same("printf './a\\n./d/b\\n' | TAR xf a.tar -C OUT -T -")
        try same("TAR cf - -C src -T \(work)/missing-list | tar tf -", tree: false)
    }

    // MARK: --strip-components

    func testStripComponents() throws {
        for n in [1, 2, 3] {
            try same("TAR xvf a.tar -C OUT --strip-components=\(n)")
        }
        _ = try sh(in: "cd '\(work)' && ln src/a src/hard && tar cf h.tar -C '\(work)' src && rm src/hard")
        try same("TAR xvf h.tar -C OUT --strip-components 1")
        try same("TAR tf a.tar --strip-components=1", tree: false)
    }

    // MARK: --transform, --xform

    func testTransformOnCreateListAndExtract() throws {
        _ = try sh(in: "cd '\(work)' && printf z > src/aaa && ln src/a src/hard && ln -s /abs/a src/abs && tar cf h.tar --sort=name src")
        let names = "-C src a aaa abs d hard l"
        for x in ["'s,d,D,g'", "'s,a,Z,;s,$,.t,'", "'s/([a-z])([a-z]*)/\\2\\1/x'", "'s/.*/\\U&/'",
                  "'s/[a-z][a-z]*/\\u&/g'", "'s/B/q/gi'", "'s,a,Z,S'", "'s,a,Z,H'", "'s,a,Z,R'", "'flags=s;s,a,Z,'",
                  "'s|d|\\||' --xform 's/e/E&\\n/'", "'s/\\(x*\\)\\(a\\)/<\\2\\1>/'"] {
            try same("TAR cvvf - --transform \(x) \(names) 2>&1 >OUT/t.tar; TAR tvf OUT/t.tar", tree: false)
        }
        // Number flags (where GNU 1.34 does not repeat a skipped match's prefix).
        try same("TAR cf - --transform 's/a/X/2' -C src aaa l | TAR tvf -", tree: false)
        try same("TAR cf - --transform 's/a/X/2g' -C src aaa | TAR tvf -", tree: false)
        // Extraction: transformed, then stripped; link targets too.
        try same("TAR xvf h.tar -C OUT --transform 's,^src,S,;s,$,Y,'")
        try same("TAR xf h.tar -C OUT --transform 's,^src/,,;s,a,A,g' --strip-components=1")
        try same("TAR xf h.tar -C OUT --transform 's,a,A,gS'")
        try same("TAR xf h.tar -C OUT --transform 's,a,A,gH'")
        try same("TAR tvf h.tar --transform 's,a,Z,g'", tree: false)
        // Usage errors: GNU's messages, status 2.
        for x in ["sxx", "s/\\(/x/", "s/d/\\2/", "s/d/Q/z", "flags=q", "x/a/b/", "s/a/b"] {
            let g = try sh(in: "tar cf /dev/null --transform '\(x)' src")
            let o = try sh(in: "$TB tar cf /dev/null --transform '\(x)' src")
            XCTAssertEqual(o.err, g.err, x)
            XCTAssertEqual(o.code, 2, x)
            XCTAssertEqual(g.code, 2, x)
        }
    }

    func testTransformExpressionParser() throws {
        var scope = TarTransformScope.all
        let xs = try parseTarTransform(Array("s,a\\,b,<\\1&\\,\\t>,gi3s;flags=h;s/^x/y/gx".utf8), scope: &scope)
        XCTAssertEqual(xs.count, 2)
        XCTAssertEqual(xs[0].regex, Array("a\\,b".utf8))
        XCTAssertEqual(xs[0].replacement, [.literal([0x3C]), .group(1), .group(0), .literal([0x2C, 0x09, 0x3E])])
        XCTAssertEqual(xs[0].occurrence, 3)
        XCTAssertTrue(xs[0].global && xs[0].ignoreCase)
        XCTAssertEqual(xs[0].maxGroup, 1)
        XCTAssertEqual(xs[1].scope, TarTransformScope.hardLinks)
        XCTAssertFalse(xs[1].global, "anchored: first match only")
        XCTAssertTrue(xs[1].extended)
        XCTAssertThrowsError(try parseTarTransform(Array("s/a/b/q".utf8), scope: &scope))
    }

    // MARK: -S, --sparse

    func testSparseFilesBothWays() throws {
        // A trailing hole, data at the end, only a hole, and 12 regions
        // (GNU's header holds 4: extension blocks).
        _ = try sh(in: """
        set -e; cd '\(work)'; mkdir sp; cd sp
        truncate -s 10M a; dd if=/dev/urandom of=a bs=4096 count=2 seek=256 conv=notrunc 2>/dev/null
        truncate -s 1M b; printf tail >> b; truncate -s 5M c
        for i in 0 1 2 3 4 5 6 7 8 9 10 11; do printf "r$i" | dd of=d bs=1 seek=$((i * 1048576)) conv=notrunc 2>/dev/null; done
        printf plain > e; find . -exec touch -h -d @1700000000 {} +
        cd ..; tar cSf gnu.tar --sort=name -C sp .
        for v in 0.0 0.1 1.0; do tar cSf pax$v.tar --format=posix --sparse-version=$v --sort=name -C sp .; done
        """)
        // What toolbox writes lists as GNU's does, and extracts with holes.
        try same("TAR cSf - -C sp . | tar tvf -", tree: false)
        try same("TAR cSf - -C sp . | tar xf - -C OUT")
        for a in ["gnu.tar", "pax0.0.tar", "pax0.1.tar", "pax1.0.tar"] {
            try same("TAR tvf \(a)", tree: false)
            try same("TAR xf \(a) -C OUT")
            try same("TAR xOf \(a) ./a ./d | sha256sum", tree: false)
        }
        let blocks = try sh(in: """
        cd '\(work)' && rm -rf x && mkdir x && $TB tar cSf - -C sp . | tar xf - -C x && stat -c '%n %s %b' x/* &&
          rm -rf y && mkdir y && $TB tar xf gnu.tar -C y && stat -c '%n %s %b' y/* && cmp x/d sp/d && cmp y/a sp/a
        """)
        XCTAssertEqual(blocks.code, 0, blocks.err)
        for line in blocks.out.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f[0].hasSuffix("/a") || f[0].hasSuffix("/c") || f[0].hasSuffix("/d") {
                XCTAssertLessThan(Int(f[2])! * 512, Int(f[1])! / 4, "holes kept: \(line)")
            }
        }
    }

    // MARK: -k, --skip-old-files, --overwrite

    func testExistingFilesKeepSkipOverwrite() throws {
        let old = "mkdir d; printf old > a; printf old > d/b; ln -s elsewhere l"
        try same("TAR xkf a.tar -C OUT", prepare: old)
        try same("TAR xf a.tar -C OUT --keep-old-files ./a", prepare: old)
        try same("TAR xf a.tar -C OUT --skip-old-files", prepare: old)
        try same("TAR xvf a.tar -C OUT --skip-old-files", prepare: old)
        try same("TAR xf a.tar -C OUT", prepare: old)
        // --overwrite rewrites the file in place: same inode before and after.
        try same("i=$(stat -c %i OUT/a); TAR xf a.tar -C OUT --overwrite; [ \"$(stat -c %i OUT/a)\" = \"$i\" ] && echo same inode",
                 prepare: old)
        try same("i=$(stat -c %i OUT/a); TAR xf a.tar -C OUT; [ \"$(stat -c %i OUT/a)\" = \"$i\" ] || echo new inode",
                 prepare: old)
    }

    // MARK: -p, --same-owner, --no-same-owner, --numeric-owner

    func testOwnersAndPermissionsOnExtract() throws {
        _ = try sh(in: "cd '\(work)' && chmod 4755 src/a && tar cf p.tar -C src . && chmod 0640 src/a")
        try same("umask 027; TAR xf p.tar -C OUT")
        try same("umask 027; TAR xpf p.tar -C OUT")
        try same("umask 027; TAR xf p.tar -C OUT --no-same-permissions")
        try same("TAR xf p.tar -C OUT --no-same-owner")
        try same("TAR xf p.tar -C OUT --same-owner --numeric-owner")
        try same("TAR tvf p.tar --numeric-owner", tree: false)
    }

    // MARK: --owner, --group, --mtime, --mode

    func testHeaderOverridesOnCreate() throws {
        for args in ["--owner=root --group=daemon --mtime='2020-01-02 03:04:05' --mode=u+x,go-w",
                     "--owner=0 --group=5 --mtime=@1234 --mode=640",
                     "--owner=foo:77 --group=bar:88 --mtime=2020-01-02",
                     "--owner=nosuchuser --group=+5 --mode=a=r,u+w,+X",
                     "--mode=go=u-w --mtime=2021-06-07T08:09",
                     "--mode=o+t,g+s,u=rwx --mtime=@1700000000.25",
                     "--numeric-owner --owner=nobody",
                     "--mtime=./src/d/b"] {
            try same("umask 022; TAR cf - \(args) -C src . | tar tvf - --full-time", tree: false)
            try same("umask 022; TAR cf - \(args) -C src . | tar tvf - --numeric-owner", tree: false)
        }
        // -v reports a date given as text (GNU: when it reads differently).
        try same("TAR cvf /dev/null --mtime=2020-01-02 -C src a", tree: false)
        try same("TAR cvf /dev/null --mtime=@5 -C src a", tree: false)
        try same("TAR cvf /dev/null --mtime='2020-01-02 03:04:05' -C src a", tree: false)
        // Errors.
        try same("TAR cf /dev/null --mode=zz -C src a", tree: false, code: 2)
        try same("TAR cf /dev/null --owner=x:abc -C src a", tree: false, code: 2)
    }

    // MARK: -t --full-time, --wildcards

    func testFullTimeListing() throws {
        _ = try sh(in: "cd '\(work)' && touch -d '2024-02-03 04:05:06.123450000' src/a && tar --format=pax -cf pax.tar -C src .")
        try same("TAR tvf pax.tar --full-time", tree: false)
        try same("TAR tvf a.tar --full-time", tree: false)
        try same("TAR xvvf pax.tar --full-time -C OUT")
    }

    func testWildcardMemberOperands() throws {
        try same("TAR tf a.tar --wildcards './d*'", tree: false)
        try same("TAR tf a.tar --wildcards '*.log' './s*'", tree: false)
        try same("TAR tf a.tar './d*'", tree: false)
        try same("TAR tf a.tar --no-wildcards './d*'", tree: false)
        try same("TAR xf a.tar -C OUT --wildcards '*/e/*' ./a")
        try same("TAR tf a.tar --wildcards --no-wildcards './d*'", tree: false)
    }

    // MARK: -P

    func testAbsoluteNamesOnTheHost() throws {
        let abs = "\(work)/abs"
        _ = try sh(in: "mkdir -p '\(abs)' && printf p > '\(abs)/f' && touch -d @1600000000 '\(abs)/f' '\(abs)'")
        // Creating: names keep their leading `/` (and no message).
        try same("TAR cPf - \(abs)/f | tar tPf -", tree: false)
        try same("TAR cf - \(abs)/f | tar tPf -", tree: false)
        _ = try sh(in: "cd '\(work)' && tar cPf abs.tar \(abs) && rm -rf '\(abs)'")
        // Listing without -P tells what extraction would strip.
        try same("TAR tf abs.tar", tree: false)
        try same("TAR tPf abs.tar", tree: false)
        // Extracting with -P writes the absolute names.
        let g = try sh(in: "cd '\(work)' && tar xPf abs.tar && find '\(abs)' -printf '%y %#m %T@ %p\\n' | sort; rm -rf '\(abs)'")
        let o = try sh(in: "cd '\(work)' && $TB tar xPf abs.tar && find '\(abs)' -printf '%y %#m %T@ %p\\n' | sort; rm -rf '\(abs)'")
        XCTAssertEqual(o, g)
        XCTAssertTrue(o.out.contains("f 0644 1600000000.0000000000 \(abs)/f"), o.out)
    }

    func testAbsoluteNamesIntoAContainerStayInsideItsRoot() throws {
        let root = work + "/root"
        _ = try sh(in: """
        set -e; mkdir -p '\(root)/bin' '\(root)/etc' '\(root)/app' '\(work)/m'
        cp "$(command -v busybox)" '\(root)/bin/busybox'
        """)
        // Members `/etc/tbx-p-test` and `../../../../../../../tbx-p-up`: GNU's
        // -P would write /etc/tbx-p-test and /tbx-p-up on the host.
        let evil = try sh(in: """
        cd '\(work)/m' && mkdir -p etc && printf planted > etc/tbx-p-test && printf up > up &&
        tar cPf '\(work)/evil.tar' --transform='s,^up$,../../../../../../../tbx-p-up,;s,^etc/,/etc/,' etc/tbx-p-test up &&
        tar tPf '\(work)/evil.tar'
        """)
        XCTAssertEqual(evil.out, "/etc/tbx-p-test\n../../../../../../../tbx-p-up\n", evil.err)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which("chroot"))
        p.arguments = [root, "/bin/busybox", "sleep", "60"]
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let pid = p.processIdentifier
        for _ in 0..<100 where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")) != root {
            usleep(20_000)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/tbx-p-test"))
        let x = try sh(in: "$TB tar xPf '\(work)/evil.tar' -C /proc/\(pid)/root/app")
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(x.err, "")
        // Both land inside the container's root, nothing on the host.
        XCTAssertEqual(try String(contentsOfFile: root + "/etc/tbx-p-test", encoding: .utf8), "planted")
        XCTAssertEqual(try String(contentsOfFile: root + "/tbx-p-up", encoding: .utf8), "up")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/tbx-p-test"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tbx-p-up"))
        // Without -P the same archive is confined to the directory, as GNU.
        let y = try sh(in: "$TB tar xf '\(work)/evil.tar' -C /proc/\(pid)/root/app")
        XCTAssertEqual(y.err, """
        tar: Removing leading `/' from member names
        tar: Removing leading `../../../../../../../' from member names
        tar: ../../../../../../../tbx-p-up: Member name contains '..'
        tar: Exiting with failure status due to previous errors

        """)
        XCTAssertEqual(y.code, 1)
        XCTAssertEqual(try String(contentsOfFile: root + "/app/etc/tbx-p-test", encoding: .utf8), "planted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/app/tbx-p-up"))
    }
}

extension TarOptionsTests {
    /// -j, -J, --zstd through the external programs, both directions, each
    /// archive read back by GNU tar (and GNU's read by toolbox).
    func testExternalCompressorsBothWays() throws {
        for tool in ["bzip2", "xz", "zstd"] { _ = try which(tool) }
        for (flag, ext) in [("-j", "tbz"), ("-J", "txz"), ("--zstd", "tzst")] {
            try same("TAR -c \(flag) -f OUT/x.\(ext) -C src . && tar -t \(flag) -vf OUT/x.\(ext) && TAR -t \(flag) -vf OUT/x.\(ext)", tree: false)
            // Detected by magic without the flag, extracted identically.
            try same("tar -c \(flag) -f x.\(ext) -C src . && TAR xf x.\(ext) -C OUT")
            try same("tar -c \(flag) -f - -C src . | TAR -x \(flag) -f - -C OUT")
        }
        // Input that is not what the flag says: the program's complaint, exit 2.
        let r = try sh(in: "cd '\(work)' && $TB tar -xjf a.tar -C /tmp")
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.err.hasSuffix("tar: Child returned status 2\ntar: Error is not recoverable: exiting now\n"), r.err)
    }
}

/// A transform that would multiply a name per expression stops growing it
/// at TarTransform.nameLimit (the transform fuzz target's 41-second input).
final class TarTransformLimitTests: XCTestCase {
    func testChainedGlobalExpressionsStayBounded() throws {
        let grow = "s/x*/0123456789abcdefghij/g"
        let t = try TarTransform([[grow, grow, grow, grow, grow, grow].joined(separator: ";")])
        let name = Array(repeating: UInt8(ascii: "a"), count: 64)
        let out = t.apply(name, TarTransformScope.names)
        // Unbounded: 64 bytes times ~21 per expression, 8.6e9 after six.
        XCTAssertGreaterThanOrEqual(out.count, TarTransform.nameLimit)
        XCTAssertLessThan(out.count, TarTransform.nameLimit + 200)
        // Below the limit nothing changes (GNU tar gives the same).
        let one = try TarTransform(["s/a/-/g;s/b/xyz/"]).apply(Array("aabbab".utf8), TarTransformScope.names)
        XCTAssertEqual(String(decoding: one, as: UTF8.self), "--xyzb-b")
    }
}
