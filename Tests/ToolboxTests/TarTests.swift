import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

// MARK: - the pure format code

final class UstarTests: XCTestCase {
    func testOctalFieldsAsGNUWritesThem() {
        XCTAssertEqual(Ustar.octal(0o644, width: 8), Array("0000644".utf8) + [0])
        XCTAssertEqual(Ustar.octal(0, width: 12), Array("00000000000".utf8) + [0])
        XCTAssertEqual(Ustar.octal(0o77777777777, width: 12), Array("77777777777".utf8) + [0])
        XCTAssertNil(Ustar.octal(0o100000000000, width: 12), "8 GiB does not fit 11 octal digits")
        XCTAssertNil(Ustar.octal(2_097_152, width: 8), "uid 2097152 does not fit 7 octal digits")
    }

    func testParseNumberOctalVariantsAndGNUBase256() {
        func n(_ b: [UInt8]) -> Int64? { b.withUnsafeBufferPointer { Ustar.parseNumber($0) } }
        XCTAssertEqual(n(Array("0000644".utf8) + [0]), 0o644)
        XCTAssertEqual(n(Array("   644 ".utf8) + [0]), 0o644, "leading spaces, space terminator (old tars)")
        XCTAssertEqual(n([0, 0, 0, 0, 0, 0, 0, 0]), 0)
        XCTAssertNil(n(Array("0009".utf8)), "9 is not octal")
        // GNU base-256: 0x80 then big-endian; 10 GiB in a 12-byte size field.
        XCTAssertEqual(n(Ustar.base256(10 << 30, width: 12)), 10 << 30)
        XCTAssertEqual(Ustar.base256(10 << 30, width: 12), [0x80, 0, 0, 0, 0, 0, 0, 2, 0x80, 0, 0, 0])
        // Negative mtime (before 1970): 0xFF ... two's complement.
        XCTAssertEqual(n(Ustar.base256(-1, width: 12)), -1)
        XCTAssertEqual(n(Ustar.base256(-86400, width: 12)), -86400)
        XCTAssertEqual(n(Ustar.base256(3_000_000, width: 8)), 3_000_000)
        XCTAssertNil(n([0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), "more than 64 bits")
    }

    func testNameSplitAtSlash() {
        let name = Array((String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90)).utf8)
        let s = Ustar.splitName(name)
        XCTAssertEqual(s?.prefix.count, 120)
        XCTAssertEqual(s?.name.count, 90)
        XCTAssertNil(Ustar.splitName(Array(String(repeating: "x", count: 101).utf8)), "no slash to split at")
        XCTAssertNil(Ustar.splitName(Array((String(repeating: "d", count: 156) + "/f").utf8)), "prefix over 155")
        XCTAssertEqual(Ustar.splitName(Array(String(repeating: "x", count: 100).utf8))?.prefix, [])
    }

    func testPaxRecordLengthCountsItself() {
        // "9 a=bcd\n" is 8 bytes, so the length must become 9 -> "9 a=bcde\n".
        XCTAssertEqual(String(decoding: Ustar.encodePax([("a", Array("bcde".utf8))]), as: UTF8.self), "9 a=bcde\n")
        // Crossing 99 -> 100 (the length's own digits change the length).
        let v = [UInt8](repeating: 0x41, count: 91)
        let rec = Ustar.encodePax([("path", v)])
        XCTAssertEqual(rec.count, 101)
        XCTAssertTrue(String(decoding: rec, as: UTF8.self).hasPrefix("101 path="))
        let parsed = rec.withUnsafeBufferPointer { Ustar.parsePax($0) }
        XCTAssertEqual(parsed?.first?.0, "path")
        XCTAssertEqual(parsed?.first?.1, v)
    }

    func testMalformedPaxRecordsAreRejected() {
        for bad in ["5 a=b\n", "x a=b\n", "7 ab\n\n", "100 a=b\n"] {
            XCTAssertNil(Array(bad.utf8).withUnsafeBufferPointer { Ustar.parsePax($0) }, bad)
        }
    }

    func testPaxTimeFractions() {
        XCTAssertEqual(Ustar.parsePaxTime("1700000000.5")?.0, 1_700_000_000)
        XCTAssertEqual(Ustar.parsePaxTime("1700000000.5")?.1, 500_000_000)
        XCTAssertEqual(Ustar.parsePaxTime("-1.25")?.0, -2)
        XCTAssertEqual(Ustar.parsePaxTime("-1.25")?.1, 750_000_000)
        XCTAssertNil(Ustar.parsePaxTime("abc"))
    }

    func testChecksumIsVerified() {
        var block = Ustar.ustarBlock(TarHeader(name: "a"))
        XCTAssertNotEqual(block.withUnsafeBufferPointer { Ustar.decode($0) }, .invalid)
        block[0] = 0x62
        XCTAssertEqual(block.withUnsafeBufferPointer { Ustar.decode($0) }, .invalid)
        XCTAssertEqual([UInt8](repeating: 0, count: 512).withUnsafeBufferPointer { Ustar.decode($0) }, .zero)
        XCTAssertEqual([UInt8](repeating: 0, count: 100).withUnsafeBufferPointer { Ustar.decode($0) }, .invalid, "truncated")
    }

    /// Writes header blocks to a file and reads them back with TarReader.
    func roundTrip(_ h: TarHeader, file: StaticString = #filePath, line: UInt = #line) throws -> TarHeader? {
        let path = NSTemporaryDirectory() + "ustar-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Ustar.encode(h)).write(to: URL(fileURLWithPath: path))
        let fd = try FileDescriptor.open(path, O_RDONLY)
        defer { fd.close() }
        return try TarReader(fd).next()
    }

    func testHugeSizeAndIdsGoToPaxRecords() throws {
        var h = TarHeader(name: "big.img")
        h.size = 10 << 30            // over the 8 GiB ustar limit
        h.uid = 3_000_000; h.gid = 4_000_000
        h.mtime = -86400             // 1969-12-31
        let blocks = Ustar.encode(h)
        XCTAssertEqual(blocks.count, 3 * 512, "pax header, its data, the ustar header")
        XCTAssertEqual(blocks[156], TarType.paxExtended)
        let data = String(decoding: blocks[512..<1024], as: UTF8.self)
        XCTAssertTrue(data.contains(" size=10737418240\n"), data)
        XCTAssertTrue(data.contains(" uid=3000000\n"))
        XCTAssertTrue(data.contains(" gid=4000000\n"))
        XCTAssertTrue(data.contains(" mtime=-86400\n"))
        XCTAssertEqual(try roundTrip(h), h)
    }

    func testLongNamesAndLinkNamesRoundTrip() throws {
        for n in [99, 100, 101, 154, 255, 256, 300, 4000] {
            var name = ""
            while name.count < n { name += name.isEmpty ? "d" : (name.count % 50 == 0 ? "/" : "x") }
            var h = TarHeader(name: name)
            h.typeflag = TarType.symlink
            h.linkname = Array(String(repeating: "t", count: n).utf8)
            h.uname = Array(String(repeating: "u", count: n % 40).utf8)
            XCTAssertEqual(try roundTrip(h), h, "length \(n)")
        }
    }

    func testNonUTF8NameBytesSurvive() throws {
        let h = TarHeader(name: [0x66, 0xFF, 0xFE, 0x0A, 0x5C])
        XCTAssertEqual(try roundTrip(h), h)
    }

    /// Damaged archives (random byte flips and cuts in a valid one with pax
    /// and long names) end in an entry list or a read error, never a crash
    /// or a hang.
    func testDamagedArchivesNeverCrashTheReader() throws {
        var archive: [UInt8] = []
        for (i, n) in [5, 150, 300].enumerated() {
            var h = TarHeader(name: String(repeating: "p", count: n))
            h.size = UInt64(700 * i + 3); h.uid = i == 2 ? 3_000_000 : 0
            archive += Ustar.encode(h) + [UInt8](repeating: 0x41, count: Int(h.size)) + [UInt8](repeating: 0, count: Ustar.padding(h.size))
        }
        archive += [UInt8](repeating: 0, count: 1024)
        let path = NSTemporaryDirectory() + "fuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rng = SplitMix(seed: 0x7a2)
        var outcomes: [String: Int] = [:]
        for round in 0..<400 {
            var bytes = archive
            for _ in 0..<(1 + round % 8) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let fd = try FileDescriptor.open(path, O_RDONLY)
            defer { fd.close() }
            let reader = TarReader(fd, bufferSize: 1024)
            var entries = 0
            do {
                while let _ = try reader.next() {
                    entries += 1
                    while try reader.readData(max: 300).count > 0 {}
                    XCTAssertLessThan(entries, 100)
                }
                outcomes["ok", default: 0] += 1
            } catch {
                outcomes["\(error)".prefix(9).description, default: 0] += 1
            }
        }
        // The seed fixes the mutations, so the outcomes are exact: both
        // clean reads and each kind of error are reached.
        XCTAssertEqual(outcomes, ["ok": 52, "notTar": 119, "badHeader": 196, "unexpecte": 33])
    }

    func testGNUSafeNamePrefix() {
        func strip(_ s: String) -> String { let b = Array(s.utf8); return String(decoding: b[Ustar.unsafePrefixLength(b)...], as: UTF8.self) }
        XCTAssertEqual(strip("/etc/passwd"), "etc/passwd")
        XCTAssertEqual(strip("///x"), "x")
        XCTAssertEqual(strip("../../x"), "x")
        XCTAssertEqual(strip("a/../b"), "b")
        XCTAssertEqual(strip("a/..b/c"), "a/..b/c")
        XCTAssertEqual(strip("ok/name"), "ok/name")
        XCTAssertEqual(strip(".."), "")
        XCTAssertNil(Ustar.components(Array("a/../b".utf8)))
        XCTAssertEqual(Ustar.components(Array("./a//b/.".utf8))?.map { String(decoding: $0, as: UTF8.self) }, ["a", "b"])
    }
}

// MARK: - against GNU tar

/// Builds trees, runs the toolbox binary and GNU tar, and compares the results.
final class TarTests: XCTestCase {
    var work = ""
    var bin = ""

    override func setUpWithError() throws {
        bin = try toolboxBinary()
        _ = try which("tar")
        work = NSTemporaryDirectory() + "tartest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        _ = try? sh("chmod -R u+rwx '\(work)' 2>/dev/null; rm -rf '\(work)'")
    }

    /// Runs a shell pipeline with TZ=UTC and the toolbox binary as $TB.
    @discardableResult
    func shell(_ cmd: String) throws -> RunResult {
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"; env["TB"] = bin; env["LC_ALL"] = "C"
        return try runProcess("/bin/sh", ["-c", cmd], environment: env)
    }

    func mustShell(_ cmd: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try shell(cmd)
        XCTAssertEqual(r.code, 0, "\(cmd)\nstderr: \(r.err)", file: file, line: line)
        return r.out
    }

    /// A tree with what a container holds: modes (setuid, read-only, a
    /// 0555 directory), owners, an empty file, a big file, symlinks
    /// (relative, absolute, dangling with a 150-byte target), hard links,
    /// a fifo, names with spaces, UTF-8, a newline and a backslash, long
    /// paths (>100, and with `extended` >255 and a uid over the ustar limit),
    /// and old integer mtimes.
    func makeTree(_ dir: String, extended: Bool = true) throws {
        // ustar (GNU --format=ustar) cannot split a 120-byte directory name.
        let long1 = String(repeating: "n", count: extended ? 120 : 90)
        let long2 = String(repeating: "m", count: extended ? 110 : 95)
        let long3 = String(repeating: "k", count: 90)
        var script = """
        set -e
        mkdir -p '\(dir)' && cd '\(dir)'
        mkdir -p d1/d2/d3 empty-dir 'sp ace' ro-dir private-dir '\(long1)'
        printf 'hello\\n' > d1/f.txt
        : > empty
        head -c 300000 /dev/urandom > d1/d2/big.bin
        printf 'x' > suid && chmod 4755 suid
        printf 'sgid' > sgid && chmod 2750 sgid
        printf 'ro' > ro && chmod 0444 ro
        chmod 0600 d1/f.txt
        printf 'in ro' > ro-dir/inside
        chmod 0700 private-dir
        ln -s f.txt d1/rel-link
        ln -s /etc/hostname abs-link
        ln -s ../../empty d1/d2/up-link
        ln d1/f.txt hard1 && ln d1/f.txt d1/d2/hard2
        mkfifo fifo
        echo deep > '\(long1)/\(long2)'
        printf 'u' > 'h\\303\\251llo w\\303\\266rld'
        printf 'odd' > "$(printf 'nl\\nx\\\\y')"
        printf 'sp' > 'sp ace/a b'
        chown 1234:2345 d1/f.txt
        chown -h 1234:2345 d1/rel-link
        chown 0:1 ro
        """
        if extended {
            script += """

            mkdir -p '\(long1)/\(long3)'
            echo deeper > '\(long1)/\(long3)/\(long2)'
            ln -s "$(printf 'L%.0s' $(seq 150))" long-target-link
            printf 'big id' > bigid && chown 3000000:3000001 bigid
            """
        }
        script += """

        find . -depth -exec touch -h -d @631152000 {} +
        touch -h -d @1700000000 d1/f.txt d1/rel-link
        touch -d @1000000000 d1/d2
        chmod 0555 ro-dir
        """
        _ = try mustShell(script)
    }

    /// Everything that must survive a round trip, one line per entry,
    /// sorted: type, mode, owner, size (files and links), mtime, name,
    /// link target; then content hashes and hard-link groups.
    func manifest(_ dir: String, mtimes: Bool = true, owners: Bool = true) throws -> String {
        let t = mtimes ? " %T@" : ""
        let o = owners ? " %U:%G" : ""
        let entries = try mustShell("""
        cd '\(dir)' && find . -mindepth 1 \\( -type d -printf '%y %#m\(o)\(t) %p\\n' \\) -o \\( -printf '%y %#m\(o) %s\(t) %p -> %l\\n' \\) | sort
        """)
        let hashes = try mustShell("cd '\(dir)' && find . -type f -print0 | sort -z | xargs -0 -r sha256sum")
        let inodes = try mustShell("cd '\(dir)' && find . -type f -links +1 -printf '%i %p\\n'")
        var groups: [String: [String]] = [:]
        for l in inodes.split(separator: "\n") {
            let parts = l.split(separator: " ", maxSplits: 1)
            groups[String(parts[0]), default: []].append(String(parts[1]))
        }
        let links = groups.values.map { $0.sorted().joined(separator: " = ") }.sorted().joined(separator: "\n")
        return entries + "--\n" + hashes + "--\n" + links
    }

    // MARK: toolbox creates, GNU extracts

    func testArchiveCreatedByToolboxExtractsIdenticallyWithGNUTar() throws {
        let src = work + "/src", dst = work + "/dst"
        try makeTree(src)
        try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: true)
        let c = try shell("$TB tar cf '\(work)/t.tar' -C '\(src)' .")
        XCTAssertEqual(c.err, "")
        XCTAssertEqual(c.code, 0)
        let x = try shell("tar xf '\(work)/t.tar' -C '\(dst)'")
        XCTAssertEqual(x.err, "")
        XCTAssertEqual(x.code, 0)
        XCTAssertEqual(try manifest(dst), try manifest(src))
        // The archive is padded to whole 10240-byte records, as GNU's.
        let size = try FileManager.default.attributesOfItem(atPath: work + "/t.tar")[.size] as! Int
        XCTAssertEqual(size % 10240, 0)
        // Same member names as GNU tar gives the same tree (order aside).
        let ours = try mustShell("tar tf '\(work)/t.tar' | sort")
        let gnus = try mustShell("tar cf - -C '\(src)' . | tar tf - | sort")
        XCTAssertEqual(ours, gnus)
    }

    func testUstarHeaderBytesMatchGNUTarUstarFormat() throws {
        let dir = work + "/h"
        _ = try mustShell("""
        mkdir -p '\(dir)/sub' && cd '\(dir)' && printf 'abc' > sub/file && chmod 0640 sub/file && chown 1234:2345 sub/file
        ln -s file sub/link && touch -h -d @1700000000 sub/file sub/link sub
        """)
        // GNU with --numeric-owner leaves uname/gname empty, as toolbox does without names.
        let gnu = try shell("cd '\(dir)' && tar --format=ustar --numeric-owner --no-recursion -cf - sub sub/file sub/link | od -An -c")
        let ours = try shell("cd '\(dir)' && $TB tar --numeric-owner -cf - sub | od -An -c")
        XCTAssertEqual(gnu.code, 0)
        XCTAssertEqual(ours.out, gnu.out)
    }

    // MARK: GNU creates, toolbox extracts

    func gnuArchiveExtractsIdentically(format: String, extended: Bool) throws {
        let src = work + "/src-\(format)", dst = work + "/dst-\(format)"
        try makeTree(src, extended: extended)
        try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: true)
        let c = try shell("tar --format=\(format) -cf '\(work)/\(format).tar' -C '\(src)' .")
        XCTAssertEqual(c.code, 0, c.err)
        let x = try shell("$TB tar xf '\(work)/\(format).tar' -C '\(dst)'")
        XCTAssertEqual(x.err, "")
        XCTAssertEqual(x.code, 0)
        XCTAssertEqual(try manifest(dst), try manifest(src), format)
    }

    func testGNUFormatArchiveExtractsIdentically() throws { try gnuArchiveExtractsIdentically(format: "gnu", extended: true) }
    func testPaxFormatArchiveExtractsIdentically() throws { try gnuArchiveExtractsIdentically(format: "pax", extended: true) }
    func testUstarFormatArchiveExtractsIdentically() throws { try gnuArchiveExtractsIdentically(format: "ustar", extended: false) }

    func testGNUBase256SizeFieldIsRead() throws {
        // GNU writes a file's uid over 2097151 in base-256 (format=gnu).
        let src = work + "/b"
        _ = try mustShell("mkdir -p '\(src)' && printf 'q' > '\(src)/f' && chown 3000000:3000001 '\(src)/f'")
        let out = try mustShell("tar --format=gnu -cf - -C '\(src)' f | $TB tar tvf - --numeric-owner")
        XCTAssertEqual(out.split(separator: " ").dropFirst().first, "3000000/3000001")
    }

    // MARK: listing

    func testListingMatchesGNUTar() throws {
        let src = work + "/src"
        try makeTree(src)
        for (label, create) in [("toolbox", "$TB tar cf"), ("gnu", "tar --format=gnu -cf"), ("pax", "tar --format=pax -cf")] {
            let archive = "\(work)/\(label).tar"
            _ = try mustShell("\(create) '\(archive)' -C '\(src)' .")
            for flags in ["tf", "tvf", "-tvf", "-t -f"] {
                let gnu = try shell("tar \(flags) '\(archive)'")
                let ours = try shell("$TB tar \(flags) '\(archive)'")
                XCTAssertEqual(ours, gnu, "\(label) \(flags)")
            }
            // Selected members (a directory selects its contents).
            let gnu = try shell("tar tf '\(archive)' ./d1 ./missing")
            let ours = try shell("$TB tar tf '\(archive)' ./d1 ./missing")
            XCTAssertEqual(ours.out, gnu.out)
            XCTAssertEqual(ours.err, "tar: ./missing: Not found in archive\ntar: Exiting with failure status due to previous errors\n")
            XCTAssertEqual(gnu.err, ours.err)
            XCTAssertEqual(ours.code, 1)
            XCTAssertEqual(gnu.code, 2, "GNU uses 2; toolbox's convention is 1")
        }
    }

    func testVerboseCreateAndExtractNameTheMembers() throws {
        let src = work + "/v"
        _ = try mustShell("mkdir -p '\(src)/a' && printf 1 > '\(src)/a/f' && mkdir -p '\(work)/out'")
        // With the archive on stdout, the names go to stderr (GNU does the same).
        let c = try shell("$TB tar cvf - -C '\(src)' a > '\(work)/v.tar'")
        XCTAssertEqual(c.err, "a/\na/f\n")
        let g = try shell("tar cvf - -C '\(src)' a > /dev/null")
        XCTAssertEqual(c.err, g.err)
        let x = try shell("$TB tar xvf '\(work)/v.tar' -C '\(work)/out'")
        XCTAssertEqual(x.out, "a/\na/f\n")
        XCTAssertEqual(x.code, 0)
        // -O: contents to stdout, names (with -v) to stderr, as GNU tar.
        let src2 = work + "/src"
        try makeTree(src2, extended: false)
        _ = try mustShell("tar cf '\(work)/t.tar' -C '\(src2)' .")
        let gnuO = try shell("tar xvOf '\(work)/t.tar' | sha256sum")
        let ourO = try shell("$TB tar xvOf '\(work)/t.tar' | sha256sum")
        XCTAssertEqual(ourO, gnuO)
        XCTAssertEqual(try shell("$TB tar xOf '\(work)/t.tar' ./ro ./sp\\ ace").out, "rosp")
    }

    func testExtractingAsAnotherUserMatchesGNUTar() throws {
        // A debug container running as a non-root uid: owners are not
        // restored, the umask applies, setuid/setgid bits are dropped, a
        // read-only directory still gets its files.
        let src = work + "/src"
        try makeTree(src, extended: false)
        _ = try mustShell("tar cf '\(work)/t.tar' -C '\(src)' . && mkdir -p '\(work)/g' '\(work)/o' && chown 65534:65534 '\(work)/g' '\(work)/o'")
        let asNobody = "umask 022; setpriv --reuid=65534 --regid=65534 --clear-groups"
        let g = try shell("\(asNobody) tar xf '\(work)/t.tar' -C '\(work)/g'")
        let o = try shell("\(asNobody) $TB tar xf '\(work)/t.tar' -C '\(work)/o'")
        XCTAssertEqual(g.code, 0, g.err)
        XCTAssertEqual(o.code, 0, o.err)
        XCTAssertEqual(o.err, "")
        XCTAssertEqual(try manifest(work + "/o"), try manifest(work + "/g"))
        XCTAssertTrue(try manifest(work + "/o").contains("f 0755 65534:65534 1 631152000.0000000000 ./suid"))
    }

    // MARK: kubectl cp

    func testKubectlCopyFromPodAndToPodPipelines() throws {
        let src = work + "/pod", dst = work + "/local"
        try makeTree(src + "/data")
        try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: true)
        // Newer kubectl: tar cf - -C DIR -- NAME; into the pod: tar -xmf - -C DIR.
        let p = try shell("$TB tar cf - -C '\(src)' -- data | $TB tar -xmf - -C '\(dst)'")
        XCTAssertEqual(p.err, "")
        XCTAssertEqual(p.code, 0)
        XCTAssertEqual(try manifest(dst + "/data", mtimes: false), try manifest(src + "/data", mtimes: false))
        // -m: mtimes are the time of extraction, not the archived 1990/2023 ones.
        let m = try mustShell("find '\(dst)/data' ! -newermt @1700000001 -printf '%p\\n'")
        XCTAssertEqual(m, "", "files that kept an archived mtime despite -m")

        // kubectl's copy-from-pod (`tar cf - /abs/path`): leading / stripped, said once.
        let dst2 = work + "/local2"
        try FileManager.default.createDirectory(atPath: dst2, withIntermediateDirectories: true)
        let q = try shell("$TB tar cf - '\(src)/data/d1' | $TB tar xf - -C '\(dst2)'")
        XCTAssertEqual(q.err, "tar: Removing leading `/' from member names\n")
        XCTAssertEqual(q.code, 0)
        let rel = String(src.dropFirst()) + "/data/d1"
        XCTAssertEqual(try manifest(dst2 + "/" + rel), try manifest(src + "/data/d1"))
        let gnu = try shell("tar cf - '\(src)/data/d1' | tar tf -")
        XCTAssertEqual(try mustShell("$TB tar cf - '\(src)/data/d1' 2>/dev/null | tar tf - | sort"),
                       String(gnu.out.split(separator: "\n").sorted().joined(separator: "\n") + "\n"))

        // kubectl cp --no-preserve: owners are the extractor's, modes get the
        // umask and lose setuid (as with GNU tar).
        let dst3 = work + "/local3"
        try FileManager.default.createDirectory(atPath: dst3, withIntermediateDirectories: true)
        let r = try shell("umask 027; $TB tar cf - -C '\(src)/data' -- d1 suid | $TB tar --no-same-permissions --no-same-owner -xmf - -C '\(dst3)'")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try mustShell("cd '\(dst3)' && stat -c '%a %u:%g %n' d1/f.txt suid d1/d2"), "600 0:0 d1/f.txt\n750 0:0 suid\n750 0:0 d1/d2\n")
    }

    // MARK: extraction safety

    func testMaliciousArchiveNeverWritesOutsideTheDestination() throws {
        let dst = work + "/dst", outside = work + "/outside"
        try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        func file(_ name: String, _ data: String) -> [UInt8] {
            var h = TarHeader(name: name); h.size = UInt64(data.utf8.count)
            return Ustar.encode(h) + Array(data.utf8) + [UInt8](repeating: 0, count: Ustar.padding(h.size))
        }
        func link(_ name: String, _ target: String, hard: Bool = false) -> [UInt8] {
            var h = TarHeader(name: name); h.typeflag = hard ? TarType.hardLink : TarType.symlink
            h.linkname = Array(target.utf8); h.mode = 0o777
            return Ustar.encode(h)
        }
        var dir = TarHeader(name: "sub/"); dir.typeflag = TarType.directory; dir.mode = 0o755
        var archive: [UInt8] = []
        archive += file("../evil", "1")
        archive += file("a/../../evil2", "2")
        archive += file("/abs", "3")                     // lands in dst/abs
        archive += link("sl", outside)                    // symlink to outside ...
        archive += file("sl/through", "4")                // ... then a file through it
        archive += link("up", "..")
        archive += file("up/evil3", "5")
        archive += Ustar.encode(dir) + link("sub/dl", outside)
        archive += file("sub/dl/x/deeper", "6")
        archive += link("sl2", outside + "/victim")       // symlink to a file outside ...
        archive += file("sl2", "7")                       // ... replaced, never written through
        archive += link("hl", "/etc/hostname", hard: true) // hard link target is inside dst too
        archive += link("hl2", "../outside/victim", hard: true)
        archive += [UInt8](repeating: 0, count: 1024)
        try Data(archive).write(to: URL(fileURLWithPath: work + "/evil.tar"))
        try "victim".write(toFile: outside + "/victim", atomically: false, encoding: .utf8)

        let x = try shell("$TB tar xf '\(work)/evil.tar' -C '\(dst)'")
        XCTAssertEqual(x.code, 1)
        XCTAssertEqual(x.err, """
        tar: Removing leading `../' from member names
        tar: ../evil: Member name contains '..'
        tar: Removing leading `a/../../' from member names
        tar: a/../../evil2: Member name contains '..'
        tar: Removing leading `/' from member names
        tar: sl/through: Cannot open: Not a directory
        tar: up/evil3: Cannot open: Not a directory
        tar: sub/dl/x/deeper: Cannot open: Not a directory
        tar: Removing leading `/' from hard link targets
        tar: hl: Cannot hard link to '/etc/hostname': No such file or directory
        tar: hl2: Cannot hard link to '../outside/victim': invalid link target
        tar: Exiting with failure status due to previous errors

        """)
        XCTAssertEqual(try mustShell("cd '\(outside)' && find . | sort"), ".\n./victim\n")
        XCTAssertEqual(try String(contentsOfFile: outside + "/victim", encoding: .utf8), "victim")
        XCTAssertEqual(try mustShell("cd '\(work)' && ls"), "dst\nevil.tar\noutside\n")
        XCTAssertEqual(try mustShell("cd '\(dst)' && find . -printf '%y %p\\n' | sort"), """
        d .
        d ./sub
        f ./abs
        f ./sl2
        l ./sl
        l ./sub/dl
        l ./up

        """)
        XCTAssertEqual(try String(contentsOfFile: dst + "/sl2", encoding: .utf8), "7")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/evil3"))
    }

    func testDamagedAndNonTarInput() throws {
        let notTar = try shell("head -c 2048 /dev/zero | tr '\\0' 'x' | $TB tar tf -")
        XCTAssertEqual(notTar.err, "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n")
        XCTAssertEqual(notTar.code, 1)
        _ = try mustShell("mkdir -p '\(work)/s' && head -c 5000 /dev/urandom > '\(work)/s/f' && tar cf '\(work)/t.tar' -C '\(work)/s' f")
        let cut = try shell("head -c 3000 '\(work)/t.tar' | $TB tar tf -")
        XCTAssertEqual(cut.out, "f\n")
        XCTAssertEqual(cut.err, "tar: Unexpected EOF in archive\ntar: Exiting with failure status due to previous errors\n")
        XCTAssertEqual(cut.code, 1)
    }

    func testTruncatedRegularFileArchiveIsDetectedWhenSeekingOverData() throws {
        // Listing a file seeks over member data; the cut must still be noticed.
        _ = try mustShell("mkdir -p '\(work)/s' && head -c 200000 /dev/urandom > '\(work)/s/f' && printf x > '\(work)/s/g' && tar cf '\(work)/t.tar' -C '\(work)/s' f g && head -c 150000 '\(work)/t.tar' > '\(work)/cut.tar'")
        let r = try shell("$TB tar tf '\(work)/cut.tar'")
        XCTAssertEqual(r.out, "f\n")
        XCTAssertEqual(r.err, "tar: Unexpected EOF in archive\ntar: Exiting with failure status due to previous errors\n")
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(try shell("$TB tar tf '\(work)/t.tar'").out, "f\ng\n")
    }

    func testDeviceNodesAreArchivedAndRestored() throws {
        let src = work + "/nodes", dst = work + "/dst"
        _ = try mustShell("""
        mkdir -p '\(src)' '\(dst)' && cd '\(src)' && mknod chr c 1 3 && mknod blk b 7 200 && mknod big b 259 70000 && mkfifo fifo
        chmod 0640 blk && touch -d @1700000000 chr blk big fifo
        """)
        let ours = try shell("$TB tar cf - -C '\(src)' . | tar tvf -")
        let gnu = try shell("tar cf - -C '\(src)' . | tar tvf - | sort -k6")
        XCTAssertEqual(ours.out.split(separator: "\n").sorted { $0.split(separator: " ").last! < $1.split(separator: " ").last! },
                       gnu.out.split(separator: "\n").sorted { $0.split(separator: " ").last! < $1.split(separator: " ").last! })
        XCTAssertTrue(ours.out.contains("brw-r----- root/root     7,200 2023-11-14 22:13 ./blk\n"), ours.out)
        let x = try shell("$TB tar cf - -C '\(src)' . | $TB tar xf - -C '\(dst)'")
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(try manifest(dst), try manifest(src))
        XCTAssertEqual(try mustShell("cd '\(dst)' && stat -c '%n %F %t,%T' big blk chr"),
                       "big block special file 103,11170\nblk block special file 7,c8\nchr character special file 1,3\n")
    }

    func testDoubleVerboseCreateIsTheLongListing() throws {
        _ = try mustShell("mkdir -p '\(work)/s/d' && printf abc > '\(work)/s/d/f' && touch -d @1700000000 '\(work)/s/d/f' '\(work)/s/d'")
        let ours = try shell("$TB tar cvvf /dev/null -C '\(work)/s' d")
        XCTAssertEqual(ours.out, """
        drwxr-xr-x root/root         0 2023-11-14 22:13 d/
        -rw-r--r-- root/root         3 2023-11-14 22:13 d/f

        """)
        let gnu = try shell("tar cvvf - -C '\(work)/s' d > /dev/null")
        XCTAssertEqual(ours.out, gnu.err, "GNU writes the list to stderr when the archive is stdout")
    }

    func testUsageErrors() throws {
        for (args, message) in [
            ("", "tar: you must specify one of the '-ctx' options"),
            ("-ct", "tar: you may not specify more than one '-ctx' option"),
            ("-cf /dev/null", "tar: cowardly refusing to create an empty archive"),
            ("cZf - x", "tar: -Z: compression is not built in; pipe through gzip/xz (e.g. gzip -dc x.tgz | toolbox tar xf -)"),
            ("cf", "tar: option requires an argument -- 'f'"),
        ] {
            let r = try shell("$TB tar \(args) < /dev/null")
            XCTAssertEqual(r.code, 2, args)
            XCTAssertEqual(r.err, message + "\n", args)
        }
    }

    func testDirectoryOptionIsPositionalAndCumulativeLikeGNU() throws {
        _ = try mustShell("mkdir -p '\(work)/a/s' '\(work)/b' && printf 1 > '\(work)/a/one' && printf 2 > '\(work)/a/s/two' && printf 3 > '\(work)/b/three'")
        let args = "-C '\(work)/a' one -C s two --directory='\(work)/b' three"
        let ours = try shell("$TB tar -c -f - \(args) | tar tvf -")
        let gnu = try shell("tar -c -f - \(args) | tar tvf -")
        XCTAssertEqual(ours, gnu)
        XCTAssertEqual(ours.out.split(separator: "\n").map { $0.split(separator: " ").last! }, ["one", "two", "three"])
        // Old style: the f and C values come in order after the letters.
        XCTAssertEqual(try shell("$TB tar cfC - '\(work)/a' one s/two | tar xOf -").out, "12")
    }

    func testMissingOperandIsReportedAndTheRestArchived() throws {
        _ = try mustShell("mkdir -p '\(work)/s' && printf 1 > '\(work)/s/ok'")
        let r = try shell("$TB tar cf - -C '\(work)/s' nope ok | tar tf -")
        XCTAssertEqual(r.out, "ok\n")
        XCTAssertEqual(r.err, "tar: nope: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n")
    }

    func testSocketsAreSkippedWithGNUsWarningAndNoFailure() throws {
        let dir = work + "/s"
        _ = try mustShell("mkdir -p '\(dir)' && printf 1 > '\(dir)/f'")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let path = Array((dir + "/sock").utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in path.enumerated() { p[i] = b } }
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(r, 0)
        let ours = try shell("$TB tar cf - -C '\(dir)' . | tar tf -")
        let gnu = try shell("tar cf - -C '\(dir)' . | tar tf -")
        XCTAssertEqual(ours.err, "tar: ./sock: socket ignored\n")
        XCTAssertEqual(ours.err, gnu.err)
        XCTAssertEqual(ours.out, "./\n./f\n")
        XCTAssertEqual(ours.code, 0)
    }

    // MARK: reading never modifies

    func testCreatingLeavesTheSourceTreeUntouched() throws {
        let src = work + "/src"
        try makeTree(src)
        // Under relatime, a read updates atime when atime <= mtime: the tree
        // has atime == mtime, so a plain read would show. Check that first.
        _ = try mustShell("cp -a '\(src)/empty' '\(work)/probe' && touch -d @631152000 '\(work)/probe' && cat '\(work)/probe' > /dev/null")
        XCTAssertNotEqual(try mustShell("stat -c %X '\(work)/probe'"), "631152000\n", "atime is not updated by reads on this mount: the test would prove nothing")
        // Symlinks are left out of the atime check: readlink(2) updates a
        // symlink's atime and no flag prevents it (GNU tar and ls do the same).
        let atimes = "cd '\(src)' && find . ! -type l -printf '%A@ %C@ %p\\n' | sort"
        let before = try manifest(src), beforeTimes = try mustShell(atimes)
        let r = try shell("$TB tar cf - -C '\(src)' . > /dev/null")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try manifest(src), before)
        XCTAssertEqual(try mustShell(atimes), beforeTimes)
        // And as a non-root user (O_NOATIME needs ownership: a fallback
        // without it must still read).
        let other = try shell("setpriv --reuid=65534 --regid=65534 --clear-groups $TB tar cf - -C '\(src)' d1/d2/big.bin ro | tar tf -")
        XCTAssertEqual(other.out, "d1/d2/big.bin\nro\n", other.err)
    }

    // MARK: /proc/PID/root

    func testCreatingFromAContainerRootResolvesInsideIt() throws {
        let root = work + "/root"
        let decoy = "/tmp/tbx-tar-decoy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: decoy) }
        _ = try mustShell("""
        set -e
        mkdir -p '\(root)/bin' '\(root)/etc' '\(root)\(decoy)/data' '\(decoy)/data'
        cp "$(command -v busybox)" '\(root)/bin/busybox'
        printf 'root:x:0:0::/:/bin/sh\\nappuser:x:4242:4243::/:/bin/sh\\n' > '\(root)/etc/passwd'
        printf 'root:x:0:\\nappgroup:x:4243:\\n' > '\(root)/etc/group'
        printf 'container secret\\n' > '\(root)/etc/secret'
        printf 'real\\n' > '\(root)\(decoy)/data/file.txt'
        chown 4242:4243 '\(root)\(decoy)/data/file.txt'
        ln -s /etc/secret '\(root)\(decoy)/data/abs'
        ln -s '\(decoy)/data' '\(root)/datalink'
        printf 'decoy\\n' > '\(decoy)/data/file.txt'
        touch -d @1700000000 '\(root)\(decoy)/data/file.txt'
        """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try which("chroot"))
        p.arguments = [root, "/bin/busybox", "sleep", "60"]
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let pid = p.processIdentifier
        // Wait until the chroot has happened (the root link points into it).
        for _ in 0..<100 where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")) != root {
            usleep(20_000)
        }
        let proot = "/proc/\(pid)/root"
        // -C through an absolute symlink of the container: resolved in its root.
        let out = work + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let c = try shell("$TB tar cf - -C \(proot)/datalink -- file.txt abs | tar xf - -C '\(out)'")
        XCTAssertEqual(c.err, "")
        XCTAssertEqual(try String(contentsOfFile: out + "/file.txt", encoding: .utf8), "real\n")
        // The absolute symlink is archived as itself, not followed.
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/abs"), "/etc/secret")
        // Owner names come from the container's /etc/passwd and /etc/group.
        let l = try mustShell("$TB tar cf - -C \(proot)/datalink file.txt | tar tvf -")
        XCTAssertEqual(l, "-rw-r--r-- appuser/appgroup  5 2023-11-14 22:13 file.txt\n")
        // kubectl's `tar cf - /proc/PID/root/...`: names keep the path as typed.
        let k = try shell("$TB tar cf - \(proot)/datalink/file.txt | tar tf -")
        XCTAssertEqual(k.out, "proc/\(pid)/root/datalink/file.txt\n")
        XCTAssertEqual(k.err, "tar: Removing leading `/' from member names\n")
        // A directory operand that is the container root itself.
        let r = try mustShell("$TB tar cf - \(proot)/ 2>/dev/null | tar tf - | grep -c 'etc/secret$'")
        XCTAssertEqual(r, "1\n")
        // kubectl cp into the container: -C resolves inside the root too.
        let x = try shell("printf 'new' > '\(work)/new' && $TB tar cf - -C '\(work)' new | $TB tar -xmf - -C \(proot)/datalink")
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(try String(contentsOfFile: root + decoy + "/data/new", encoding: .utf8), "new")
        XCTAssertFalse(FileManager.default.fileExists(atPath: decoy + "/data/new"))
        XCTAssertEqual(try String(contentsOfFile: decoy + "/data/file.txt", encoding: .utf8), "decoy\n")
    }
}
