import Foundation
import XCTest
@testable import ToolboxCore

/// gzip, gunzip, zcat and tar -z against GNU gzip and GNU tar, both ways,
/// on a corpus the test makes; corrupted input must be a clear error.
final class GzipTests: XCTestCase {
    var dir = ""
    var tb = ""

    override func setUpWithError() throws {
        tb = try toolboxBinary()
        for tool in ["gzip", "tar", "bzip2", "xz", "zstd"] { _ = try which(tool) }
        dir = NSTemporaryDirectory() + "gzip-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try sh("""
            cd \(dir) && mkdir corpus && cd corpus && : > empty && printf a > one &&
            yes 'hello world' | head -c 2000000 > compressible &&
            head -c 300000 /dev/urandom > random &&
            for i in $(seq 1 3000); do echo "line $i of some text, $((i * 7919 % 1000)) words"; done > text &&
            cat text random text > window && head -c 100000 text > short && cat short random > mixed
            """)
        XCTAssertEqual(r.code, 0, r.err)
    }

    override func tearDownWithError() throws { _ = try? sh("rm -rf \(dir)") }

    let files = ["empty", "one", "compressible", "random", "text", "window", "mixed"]

    func testToolboxWritesGNUReads() throws {
        for f in files {
            for level in [1, 6, 9] {
                let r = try sh("cd \(dir)/corpus && \(tb) gzip -\(level) -c < \(f) | gzip -dc | cmp - \(f)")
                XCTAssertEqual(r.code, 0, "\(f) -\(level): \(r.out) \(r.err)")
            }
        }
        // The size stays close to GNU's at the same level (text and binary-like data).
        for f in ["text", "window", "compressible"] {
            let r = try sh("cd \(dir)/corpus && \(tb) gzip -6 -c < \(f) | wc -c && gzip -6 -c < \(f) | wc -c")
            let sizes = r.out.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            XCTAssertEqual(sizes.count, 2)
            XCTAssertLessThan(sizes[0], sizes[1] * 1.03, "\(f): \(sizes)")
        }
    }

    func testGNUWritesToolboxReads() throws {
        for f in files {
            for level in [1, 6, 9] {
                let r = try sh("cd \(dir)/corpus && gzip -\(level) -c < \(f) | \(tb) zcat | cmp - \(f)")
                XCTAssertEqual(r.code, 0, "\(f) -\(level): \(r.out) \(r.err)")
            }
        }
        // Multi-member, and a member with FNAME (gzip's default on a file).
        let r = try sh("""
            cd \(dir)/corpus && cp text t2 && gzip -k t2 && (gzip -c one; cat t2.gz; gzip -c < empty; gzip -1 -c random) > multi.gz &&
            cat one text random > all && \(tb) zcat multi.gz | cmp - all
            """)
        XCTAssertEqual(r.code, 0, r.out + r.err)
    }

    /// The first block's type (BTYPE) of a gzip stream.
    func firstBlockType(_ gz: [UInt8]) -> Int {
        var pos = 10
        let flg = gz[3]
        if flg & 4 != 0 { pos += 2 + Int(gz[pos]) + Int(gz[pos + 1]) << 8 }
        if flg & 8 != 0 { while gz[pos] != 0 { pos += 1 }; pos += 1 }
        return Int((gz[pos] >> 1) & 3)
    }

    func testEveryBlockType() throws {
        // stored: gzip -1 on random data; fixed: a short input; dynamic: text.
        for (file, level, want) in [("random", 1, 0), ("one", 6, 1), ("text", 6, 2)] {
            let gz = try sh("cd \(dir)/corpus && gzip -\(level) -c < \(file) > \(file).b\(level).gz").code
            XCTAssertEqual(gz, 0)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/corpus/\(file).b\(level).gz")))
            XCTAssertEqual(firstBlockType(bytes), want, file)
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/corpus/\(file)")))
            XCTAssertEqual(try GzipInflater.decompress(bytes), original, file)
            // And ours: each kind is produced where it is the smallest.
            let ours = try GzipDeflater.compress(original, level: level)
            XCTAssertEqual(firstBlockType(ours), want, "ours \(file)")
            XCTAssertEqual(try GzipInflater.decompress(ours), original)
        }
    }

    func testGzipFilesAndMessages() throws {
        let script = """
            cd \(dir)/corpus && mkdir -p A B && cp text A/f && cp text B/f && touch -d 2020-01-01 A/f B/f && chmod 640 A/f B/f &&
            for w in A:gzip B:"\(tb) gzip"; do d=${w%%:*}; c=${w#*:}; (cd $d && LC_ALL=C $c f; echo "rc=$?"; ls; stat -c '%a %Y' f.gz;
               LC_ALL=C $c f.gz; echo "rc=$?"; LC_ALL=C $c missing; echo "rc=$?"; cp f.gz g.gz; LC_ALL=C $c -d g.gz; echo "rc=$?"; cmp g f.gz >/dev/null; \
               LC_ALL=C $c -d -k f.gz; echo "rc=$?"; cmp f ../text && echo same; printf 'x' > bad; LC_ALL=C $c -d bad; echo "rc=$?"; \
               LC_ALL=C $c -t f.gz; echo "rc=$?"; head -c 50 f.gz > cut.gz; LC_ALL=C $c -t cut.gz; echo "rc=$?"; \
               printf 'hello' > notgz.gz; LC_ALL=C $c -dc notgz.gz; echo "rc=$?") > $d.out 2>&1; done
            """
        XCTAssertEqual(try sh(script).code, 0)
        let gnu = try String(contentsOfFile: "\(dir)/corpus/A.out", encoding: .utf8)
        let ours = try String(contentsOfFile: "\(dir)/corpus/B.out", encoding: .utf8)
        XCTAssertEqual(ours.replacingOccurrences(of: "\(tb) gzip", with: "gzip"), gnu)
    }

    func testTarGzipBothWays() throws {
        let r = try sh("""
            cd \(dir) && mkdir -p tree/sub && cp corpus/text corpus/random corpus/empty tree/ && cp corpus/window tree/sub/ &&
            \(tb) tar czf ours.tgz tree && tar tzf ours.tgz | sort > a && gzip -dc ours.tgz | tar tf - | sort > b && cmp a b &&
            mkdir x1 && tar xzf ours.tgz -C x1 && diff -r tree x1/tree &&
            tar czf gnu.tgz tree && mkdir x2 && \(tb) tar xzf gnu.tgz -C x2 && diff -r tree x2/tree &&
            mkdir x3 && \(tb) tar xf gnu.tgz -C x3 && diff -r tree x3/tree &&
            cat gnu.tgz | \(tb) tar tf - | sort > c && tar tzf gnu.tgz | sort > d && cmp c d &&
            tar cjf gnu.tbz tree && tar cJf gnu.txz tree && tar --zstd -cf gnu.tzst tree &&
            for f in gnu.tbz gnu.txz gnu.tzst; do \(tb) tar tf $f | sort > e && cmp d e || exit 1; done &&
            mkdir x4 && cat gnu.txz | \(tb) tar xf - -C x4 && diff -r tree x4/tree &&
            \(tb) tar cf - tree | \(tb) tar tzf - > /dev/null 2>err; echo "plain-with-z rc=$?"
            """)
        XCTAssertTrue(r.out.hasSuffix("plain-with-z rc=2\n"), r.out + r.err)
    }

    func testCorruptInputIsAClearError() throws {
        // Truncated and bad CRC: gzip's message and exit 1; tar's report and exit 2.
        let r = try sh("""
            cd \(dir)/corpus && gzip -6 -c text > t.gz && head -c 3000 t.gz > trunc.gz &&
            cp t.gz crc.gz && printf '\\377' | dd of=crc.gz bs=1 seek=$(( $(stat -c%s crc.gz) - 8 )) conv=notrunc 2>/dev/null &&
            for f in trunc.gz crc.gz; do
              gzip -dc $f > /dev/null 2> g.err; echo "gnu $?"; \(tb) zcat $f > /dev/null 2> t.err; echo "tb $?"; cmp g.err t.err || exit 1
            done &&
            tar czf tr.tgz text random && head -c 20000 tr.tgz > trunc.tgz && tar tzf trunc.tgz > /dev/null 2>/dev/null; echo "gnutar $?";
            \(tb) tar tzf trunc.tgz > /dev/null 2>tt.err; echo "tbtar $?"; grep -c 'gzip: stdin: unexpected end of file' tt.err
            """)
        XCTAssertEqual(r.out, "gnu 1\ntb 1\ngnu 1\ntb 1\ngnutar 2\ntbtar 2\n1\n", r.err)
        // Flipped bits, seeded: never a crash or a hang (exit 0 or 1 only).
        let text = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/corpus/t.gz")))
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed }
        for _ in 0..<300 {
            var d = text
            for _ in 0..<(1 + Int(next() % 4)) {
                let p = 10 + Int(next() % UInt64(d.count - 10))
                d[p] ^= UInt8(1) << UInt8(next() % 8)
            }
            do { _ = try GzipInflater.decompress(d) } catch let e as GzipError { XCTAssertFalse(e.message.isEmpty) }
        }
        // Truncation at every length of a short stream.
        let short = try GzipDeflater.compress(Array("hello hello hello hello world".utf8))
        for n in 0..<short.count {
            XCTAssertThrowsError(try GzipInflater.decompress(Array(short[0..<n])), "\(n)")
        }
    }

    /// ISIZE wraps modulo 2^32: a GNU-made stream of 4 GiB + 1 byte of zeros.
    func testMemberLargerThan4GiB() throws {
        let r = try sh("head -c 4294967297 /dev/zero | gzip -1 | \(tb) zcat | wc -c")
        XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines), "4294967297", r.err)
        // The reverse: toolbox writes the 4 GiB + 1 member (ISIZE wraps), GNU checks and reads it.
        let w = try sh("head -c 4294967297 /dev/zero | \(tb) gzip -1 > \(dir)/big.gz && gzip -t \(dir)/big.gz && gzip -dc \(dir)/big.gz | wc -c")
        XCTAssertEqual(w.code, 0, w.err)
        XCTAssertEqual(w.out.trimmingCharacters(in: .whitespacesAndNewlines), "4294967297", w.err)
    }
}
