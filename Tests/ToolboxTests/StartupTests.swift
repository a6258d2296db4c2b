import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

/// What the start-up work (issue 2: `caps --decode` within 1.5x of
/// `busybox true`; bench/startup.sh) must not change: argv reaches the
/// applets intact through ToolboxArgv (the runtime's argv grabber is not
/// linked), and the byte-based helpers on the start path behave as before.
final class StartupTests: XCTestCase {
    func testBaseNameOnBytes() {
        XCTAssertEqual(baseName("/usr/bin/ps"), "ps")
        XCTAssertEqual(baseName("ps"), "ps")
        XCTAssertEqual(baseName("/a/b/"), "b")
        XCTAssertEqual(baseName("//x//"), "x")
        XCTAssertEqual(baseName("a/"), "a")
        XCTAssertEqual(baseName("/"), "/")
        XCTAssertEqual(baseName("//"), "/")
        XCTAssertEqual(baseName(""), "")
        XCTAssertEqual(baseName("/dé/ünïcode"), "ünïcode")
    }

    func testHexPrefixOnBytes() {
        let one = RunResult(out: "0x0000000000000003=cap_chown,cap_dac_override\n", err: "", code: 0)
        for m in ["3", "0x3", "0X3", "0x03"] { XCTAssertEqual(runToolbox(["caps", "--decode", m]), one, m) }
        for m in ["0x", "", "x3", "0x3g", "é"] {
            let r = runToolbox(["caps", "--decode", m])
            XCTAssertEqual(r.code, 2, m)
            XCTAssertTrue(r.err.hasPrefix("caps: invalid capability mask '\(m)': "), r.err)
        }
    }

    /// `caps --decode` writes straight into the output buffer; the text is
    /// `decoded`'s (itself tested against capsh in CapsTests).
    func testWriteDecodedMatchesDecoded() {
        var masks: [UInt64] = [0, 1, 0x805fb, 0x1_ffff_ffff_ff, 1 << 40, 1 << 41, 1 << 63, .max]
        var x: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<200 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; masks.append(x) }
        for m in masks {
            let set = CapabilitySet(rawValue: m)
            let out = OutputWriter.memory()
            set.writeDecoded(to: out)
            out.flush()
            XCTAssertEqual(out.capturedString, set.decoded, String(m, radix: 16))
        }
    }

    /// Options given as an unambiguous prefix still resolve (getopt_long);
    /// an ambiguous or unknown one is a usage error.
    func testLongOptionPrefixes() throws {
        let one = RunResult(out: "0x0000000000000001=cap_chown\n", err: "", code: 0)
        XCTAssertEqual(runToolbox(["caps", "--dec", "1"]), one)
        XCTAssertEqual(runToolbox(["caps", "--d=1"]), one)
        XCTAssertEqual(runToolbox(["caps", "-d1"]), one)
        XCTAssertEqual(runToolbox(["caps", "--decodex", "1"]).code, 2)
        XCTAssertEqual(runToolbox(["caps", "-q"]).code, 2)
        let spec = AppletSpec(name: "t", summary: "", usage: [""], options: [
            .flag(nil, "verbose", ""), .flag(nil, "version", ""), .flag("a", "all", "")])
        XCTAssertTrue(try spec.parse(["--verb"]).has("verbose"))
        XCTAssertThrowsError(try spec.parse(["--ver"]))
        XCTAssertThrowsError(try spec.parse(["--=x"]))
        XCTAssertTrue(try spec.parse(["--al"]).has("all"))
    }

    /// The release binary gets every argument byte for byte (empty,
    /// non-ASCII, embedded newline, many), through a symlink too.
    func testArgvReachesTheBinary() throws {
        let bin = try toolboxBinary()
        XCTAssertEqual(try runProcess(bin, ["caps", "--decode", "é\nx"]),
                       RunResult(out: "", err: "caps: invalid capability mask 'é\nx': not a hex number\n", code: 2))
        XCTAssertEqual(try runProcess(bin, ["caps", "--decode", ""]),
                       RunResult(out: "", err: "caps: invalid capability mask '': expected hex digits\n", code: 2))
        let many = (0..<500).map { String($0 % 16, radix: 16) }
        let r = try runProcess(bin, ["caps"] + many.flatMap { ["--decode", $0] })
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").count, 500)
        XCTAssertTrue(r.out.hasPrefix("0x0000000000000000=\n0x0000000000000001=cap_chown\n"), r.out)
    }

    /// Swift's own argv grabber (CommandLine.cpp) opens and parses
    /// /proc/self/maps in a static constructor; ToolboxArgv replaces it.
    func testNoProcSelfMapsAtStartUp() throws {
        let bin = try toolboxBinary()
        let r = try runProcess(try which("strace"), ["-f", "-e", "trace=open,openat", bin, "caps", "--decode", "1"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("0x0000000000000001=cap_chown"), r.out)
        XCTAssertFalse(r.err.contains("/proc/self/maps"), r.err)
        XCTAssertTrue(r.err.contains("+++ exited with 0 +++"), r.err)
    }
}
