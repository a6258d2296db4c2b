import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

final class RegistryTests: XCTestCase {
    func testSortedUniqueAndFindable() {
        let names = applets.map(\.name)
        // applet(at: i) is the applet named appletNames[i] (the dispatcher's table)
        XCTAssertEqual(names, appletNames)
        XCTAssertEqual(names, names.sorted())
        XCTAssertEqual(Set(names).count, names.count)
        for n in names { XCTAssertEqual(applet(named: n)?.name, n) }
        XCTAssertNil(applet(named: "zzz"))
        XCTAssertNil(applet(named: ""))
    }

    /// Every applet's --help is snapshotted (Tests/Fixtures/help/NAME.txt);
    /// re-record with UPDATE_GOLDEN=1. The help comes from the option table.
    func testHelpSnapshots() {
        for a in applets {
            let r = runToolbox(["toolbox", a.name, "--help"])
            XCTAssertEqual(r.code, 0, a.name)
            XCTAssertEqual(r.err, "", a.name)
            for o in a.spec.options { XCTAssertTrue(r.out.contains(o.help), "\(a.name): \(o.help)") }
            assertGolden(r.out, "help/\(a.name).txt")
        }
        assertGolden(runToolbox(["toolbox", "--help"]).out, "help/toolbox.txt")
    }
}

final class DispatchTests: XCTestCase {
    func testListAndUnknown() {
        XCTAssertEqual(runToolbox(["toolbox", "--list"]).out, applets.map { $0.name + "\n" }.joined())
        XCTAssertEqual(runToolbox(["toolbox", "nope"]), RunResult(out: "", err: "toolbox: unknown applet 'nope'\n", code: 127))
        XCTAssertEqual(runToolbox(["toolbox", "--bogus"]).code, 2)
        XCTAssertEqual(runToolbox(["/usr/local/bin/toolbox"]).code, 0)
        XCTAssertTrue(runToolbox(["toolbox"]).out.contains("Applets:\n  [ "))
        XCTAssertTrue(runToolbox(["toolbox"]).out.contains("\n  caps "))
    }

    func testArgv0SelectsApplet() {
        let viaLink = runToolbox(["/bin/caps", "--decode", "1"])
        XCTAssertEqual(viaLink, RunResult(out: "0x0000000000000001=cap_chown\n", err: "", code: 0))
        XCTAssertEqual(runToolbox(["toolbox", "caps", "--decode", "1"]), viaLink)
        XCTAssertEqual(runToolbox(["toolbox", "--help", "caps"]).out, runToolbox(["caps", "--help"]).out)
        // --help after -- is an operand, not a help request.
        XCTAssertEqual(runToolbox(["toolbox", "caps", "--", "--help"]).code, 2)
    }

    func testMissingOperandIsAUsageErrorWithTheHelpHint() {
        for name in ["stat", "readlink"] {
            XCTAssertEqual(runToolbox(["toolbox", name]),
                           RunResult(out: "", err: "\(name): missing operand\nTry 'toolbox \(name) --help' for more information.\n", code: 2))
        }
    }

}

/// The release binary: static, runs, multicall through symlinks, quiet on EPIPE.
final class BinaryTests: XCTestCase {
    func testStaticallyLinked() throws {
        let bin = try toolboxBinary()
        let f = try runProcess(try which("file"), ["-L", bin])
        XCTAssertTrue(f.out.contains("statically linked"), f.out)
        let l = try runProcess(try which("ldd"), [bin])
        XCTAssertTrue((l.out + l.err).contains("not a dynamic executable"), l.out + l.err)
    }

    /// Stripped size at most 10 MiB with every applet (the budget of issues 12-14). The usual way to blow it is one
    /// String search (`contains("//")`, `split(separator: "ab")`, Regex):
    /// it links _StringProcessing and its regex engine (~450 KB).
    func testSizeAndNoStringProcessing() throws {
        let bin = try toolboxBinary()
        let stripped = FileManager.default.temporaryDirectory.appendingPathComponent("toolbox-stripped-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stripped) }
        XCTAssertEqual(try runProcess(try which("strip"), ["-o", stripped, bin]).code, 0)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: stripped)[.size] as? Int)
        XCTAssertLessThanOrEqual(size, 10 << 20, "stripped binary is \(size) bytes")
        let nm = try runProcess(try which("nm"), [bin])
        XCTAssertEqual(nm.code, 0)
        let offenders = nm.out.split(separator: "\n").filter { $0.contains("17_StringProcessing") }
        XCTAssertTrue(offenders.isEmpty, "_StringProcessing is linked: \(offenders.prefix(3))")
    }

    func testInstallSymlinksAndArgv0() throws {
        let bin = try toolboxBinary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try runProcess(bin, ["--install", dir]), RunResult(out: "", err: "", code: 0))
        for a in applets {
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\(a.name)"),
                           URL(fileURLWithPath: bin).resolvingSymlinksInPath().path)
        }
        XCTAssertEqual(try runProcess("\(dir)/caps", ["--decode", "805fb"]).out,
                       "0x00000000000805fb=cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,cap_net_bind_service,cap_sys_ptrace\n")
        // Running it again is idempotent.
        XCTAssertEqual(try runProcess(bin, ["--install", dir]).code, 0)
        XCTAssertEqual(try runProcess(bin, ["--install"]).code, 2)
    }

    func testSilentOnBrokenPipe() throws {
        let bin = try toolboxBinary()
        let masks = (0..<3000).map { _ in "--decode=ffff" }.joined(separator: " ")
        let r2 = try runProcess("/bin/bash", ["-c", "set -o pipefail; '\(bin)' caps \(masks) | head -1 >/dev/null; echo $?"])
        XCTAssertEqual(r2.err, "")
        XCTAssertEqual(r2.out, "0\n")
    }
}
