import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

final class PidStatusParserTests: XCTestCase {
    func parse(_ name: String) throws -> PidStatus? {
        let bytes = try fixtureBytes("status/\(name)")
        return bytes.withUnsafeBufferPointer { PidStatus.parse($0) }
    }

    func testLinux618Root() throws {
        let s = try XCTUnwrap(parse("linux-6.18-root.status"))
        XCTAssertEqual(s.name, "cat")
        XCTAssertEqual(s.pid, 6681)
        XCTAssertEqual(s.ppid, 6678)
        XCTAssertEqual(s.uids, [0, 0, 0, 0])
        XCTAssertEqual(s.groups, [])
        XCTAssertEqual(s.capEffective, 0x1fffeffffff)
        XCTAssertEqual(s.capAmbient, 0)
        XCTAssertEqual(s.noNewPrivs, false)
        XCTAssertEqual(s.seccomp, 0)
        XCTAssertEqual(s.state, UInt8(ascii: "R"))
        XCTAssertEqual(s.threads, 1)
    }

    func testLinux618Uid1000() throws {
        let s = try XCTUnwrap(parse("linux-6.18-uid1000.status"))
        XCTAssertEqual(s.uids, [1000, 1000, 1000, 1000])
        XCTAssertEqual(s.capPermitted, 0)
        XCTAssertEqual(s.capBounding, 0x1fffeffffff)
    }

    /// Older kernels lack CapAmb and NoNewPrivs: those stay nil, the rest parses.
    func testOldKernelShapeAndLargeUids() throws {
        let s = try XCTUnwrap(parse("linux-3.10-shape.status"))
        XCTAssertEqual(s.uids, [1000640000, 1000640000, 1000640000, 1000640000])
        XCTAssertEqual(s.groups, [0, 1000640000])
        XCTAssertNil(s.capAmbient)
        XCTAssertNil(s.noNewPrivs)
        XCTAssertEqual(s.seccomp, 2)
        XCTAssertEqual(s.capBounding, 0x5fb)
        XCTAssertEqual(s.threads, 41)
    }

    func testTruncatedKeepsWhatWasThere() throws {
        let s = try XCTUnwrap(parse("truncated.status"))
        XCTAssertEqual(s.capPermitted, 0x1fffeffffff)
        XCTAssertEqual(s.capEffective, 0)   // cut after "CapEff:\t0000"
        XCTAssertNil(s.capBounding)
    }

    func testGarbageDoesNotCrashOrInvent() throws {
        let s = try XCTUnwrap(parse("garbage.status"))
        XCTAssertEqual(s.uids, [])
        XCTAssertNil(s.capEffective)
        XCTAssertNil(s.pid)
        XCTAssertEqual(s.groups, [])
        XCTAssertNil(s.threads)
    }

    func testEmptyIsNil() {
        XCTAssertNil(withBytes([]) { PidStatus.parse($0) })
    }
}

final class IDNamesTests: XCTestCase {
    func testPasswdAndGroupFormats() {
        let p = IDNames(parsing: Array("""
            # comment
            root:x:0:0:root:/root:/bin/bash
            +nisuser::::::
            app:x:1000:1000::/app:/sbin/nologin
            dup:x:1000:1000::/:/bin/false
            bad:x:notanumber:0::/:
            big:x:4294967295:0::/:
            toobig:x:4294967296:0::/:
            short
            nouid:x
            
            """.utf8))
        XCTAssertEqual(p.name(0), "root")
        XCTAssertEqual(p.name(1000), "app")    // first entry wins, like getpwuid
        XCTAssertEqual(p.id("dup"), 1000)
        XCTAssertEqual(p.name(4294967295), "big")
        XCTAssertNil(p.id("toobig"))
        XCTAssertNil(p.id("bad"))
        XCTAssertNil(p.id("+nisuser"))
        XCTAssertEqual(p.display(1000640000), "1000640000")   // never truncated
        let g = IDNames(parsing: Array("wheel:x:10:root,app\nnogroup:x:65534:\n".utf8))
        XCTAssertEqual(g.name(10), "wheel")
        XCTAssertEqual(g.id("nogroup"), 65534)
    }

    /// A small file is searched in order, a large one through a dictionary
    /// (so tar's per-member lookups stay O(1) whatever passwd a container
    /// ships); both keep the first entry for a name and for an id.
    func testSmallAndLargeFilesAgree() {
        for extra in [10, 5000] {
            var text = "dup:x:7:0::/:\nother:x:7:0::/:\n"
            for i in 0..<extra { text += "u\(i):x:\(10000 + i):0::/:\n" }
            text += "dup:x:8:0::/:\nlast:x:9:0::/:\n"
            let p = IDNames(parsing: Array(text.utf8))
            XCTAssertEqual(p.id("dup"), 7, "\(extra) entries")
            XCTAssertEqual(p.name(7), "dup", "\(extra) entries")
            XCTAssertEqual(p.name(8), "dup", "\(extra) entries")
            XCTAssertEqual(p.id("other"), 7)
            XCTAssertEqual(p.id("last"), 9)
            XCTAssertEqual(p.id("u\(extra - 1)"), UInt32(10000 + extra - 1))
            XCTAssertNil(p.id("nobody"))
            XCTAssertEqual(p, IDNames(parsing: Array(text.utf8)))
        }
        // equal by their maps, whatever the line order
        XCTAssertEqual(IDNames(parsing: Array("a:x:1:\nb:x:2:\n".utf8)), IDNames(parsing: Array("b:x:2:\na:x:1:\n".utf8)))
        XCTAssertNotEqual(IDNames(parsing: Array("a:x:1:\nb:x:1:\n".utf8)), IDNames(parsing: Array("b:x:1:\na:x:1:\n".utf8)))
    }
}

final class CapabilityTests: XCTestCase {
    func testDecodeFormat() throws {
        XCTAssertEqual(try CapabilitySet(parsingHex: "805fb").decoded,
                       "0x00000000000805fb=cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,cap_net_bind_service,cap_sys_ptrace")
        XCTAssertEqual(try CapabilitySet(parsingHex: "0x0").decoded, "0x0000000000000000=")
        XCTAssertEqual(try CapabilitySet(parsingHex: "10000000000").decoded, "0x0000010000000000=cap_checkpoint_restore")
        XCTAssertEqual(try CapabilitySet(parsingHex: "20000000000").decoded, "0x0000020000000000=cap_41")
        XCTAssertEqual(try CapabilitySet(parsingHex: "000000000000000000805fb").rawValue, 0x805fb)
    }

    func testInvalidMasksAreUsageErrors() {
        for bad in ["zz", "", "0x", "1ffffffffffffffff", "12 34", "-1", "0x-5"] {
            XCTAssertThrowsError(try CapabilitySet(parsingHex: bad), bad) { e in
                XCTAssertEqual((e as? ToolError)?.exitCode, 2, bad)
            }
        }
    }

    func testNamesTableIsComplete() {
        XCTAssertEqual(CapabilitySet.names.count, 41)
        XCTAssertEqual(CapabilitySet.names[19], "cap_sys_ptrace")
        XCTAssertEqual(CapabilitySet.names[40], "cap_checkpoint_restore")
        XCTAssertEqual(CapabilitySet.bit(named: "SYS_PTRACE"), 19)
        XCTAssertEqual(CapabilitySet.bit(named: "cap_63"), 63)
        XCTAssertNil(CapabilitySet.bit(named: "cap_nonsense"))
    }
}

/// `toolbox caps --decode` against libcap's `capsh --decode` on many masks.
/// libcap prints a bit it has no name for as a bare number ("41"); toolbox
/// prints "cap_41" (the issue's rule), so that token is mapped before comparing.
final class CapsDifferentialTests: XCTestCase {
    func testDecodeMatchesCapsh() throws {
        let capsh = try which("capsh")
        let bin = try toolboxBinary()
        var masks: [UInt64] = [0, 0x805fb, 0xa80425fb, 0x1fffeffffff, 0x1ffffffffff, UInt64.max, 1 << 63, 1 << 40, 1 << 41]
        masks += (0..<64).map { UInt64(1) << UInt64($0) }
        var rng = SplitMix(seed: 0xca95)
        masks += (0..<40).map { _ in UInt64.random(in: 0...UInt64.max, using: &rng) }
        masks += (0..<40).map { _ in UInt64.random(in: 0...0x1ffffffffff, using: &rng) }
        // capsh decodes one mask per run; toolbox takes them all at once.
        var expected = ""
        for m in masks {
            let r = try runProcess(capsh, ["--decode=" + String(m, radix: 16)])
            XCTAssertEqual(r.code, 0)
            let line = r.out.hasSuffix("\n") ? String(r.out.dropLast()) : r.out
            expected += line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).enumerated().map { i, part in
                i == 0 ? String(part) : part.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "cap_\($0)" : String($0) }.joined(separator: ",")
            }.joined(separator: "=") + "\n"
        }
        let ours = try runProcess(bin, ["caps"] + masks.flatMap { ["--decode", String(m0: $0)] })
        XCTAssertEqual(ours.code, 0, ours.err)
        XCTAssertEqual(ours.err, "")
        XCTAssertEqual(ours.out, expected)
        // Also the `--decode=0x...` spelling and a padded input.
        XCTAssertEqual(try runProcess(bin, ["caps", "--decode=0x00000000000805fb"]).out,
                       try runProcess(capsh, ["--decode=00000000000805fb"]).out)
    }

    /// Where libcap silently prints an empty set, toolbox refuses.
    func testInvalidInputIsAUsageError() throws {
        let bin = try toolboxBinary()
        let r = try runProcess(bin, ["caps", "--decode", "zz"])
        XCTAssertEqual(r, RunResult(out: "", err: "caps: invalid capability mask 'zz': not a hex number\n", code: 2))
        let big = try runProcess(bin, ["caps", "--decode=1ffffffffffffffff"])
        XCTAssertEqual(big.code, 2)
        XCTAssertEqual(big.err, "caps: invalid capability mask '1ffffffffffffffff': more than 64 bits\n")
    }
}

private extension String {
    init(m0 v: UInt64) { self = String(v, radix: 16) }
}

/// Golden tests of `caps` over the fixture /proc tree in Tests/Fixtures/caps.
final class CapsGoldenTests: XCTestCase {
    let proc = fixturePath("caps/proc")
    let host = fixturePath("caps/host")

    func testSelf() {
        let r = runToolbox(["toolbox", "caps"], procRoot: proc, hostRoot: host)
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(r.err, "")
        assertGolden(r.out, "caps/golden/self.txt")
    }

    func testPidsWithOneMissing() {
        let r = runToolbox(["toolbox", "caps", "7", "424242"], procRoot: proc, hostRoot: host)
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "caps: 424242: no such process\n")
        assertGolden(r.out, "caps/golden/pid7.txt")
    }

    func testUsageErrors() {
        XCTAssertEqual(runToolbox(["toolbox", "caps", "abc"], procRoot: proc).code, 2)
        XCTAssertEqual(runToolbox(["toolbox", "caps", "abc"], procRoot: proc).err, "caps: 'abc' is not a process id\n")
        XCTAssertEqual(runToolbox(["toolbox", "caps", "--decode", "5", "7"], procRoot: proc).code, 2)
        let r = runToolbox(["toolbox", "caps", "-x"], procRoot: proc)
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.err, "caps: invalid option -- 'x'\nTry 'toolbox caps --help' for more information.\n")
    }

    func testNoCapabilitiesExplainsTheWayOut() throws {
        // A process with nothing effective: uid 1000 sample as "self".
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("caps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("self"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(try fixtureBytes("status/linux-6.18-uid1000.status")).write(to: dir.appendingPathComponent("self/status"))
        let r = runToolbox(["toolbox", "caps"], procRoot: dir.path, hostRoot: host)
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.out.contains("  [no ] /proc/PID/root, /proc/PID/cwd, /proc/PID/fd and /proc/PID/environ of a process of another uid are not readable: no cap_sys_ptrace, and no cap_setuid/cap_setgid to borrow the target's uid; add SYS_PTRACE (kubectl debug --profile=general"), r.out)
        XCTAssertTrue(r.out.contains("  [no ] raw sockets are refused (no cap_net_raw)"), r.out)
        XCTAssertTrue(r.out.contains("  [no ] the identity cannot be changed (no cap_setuid, no cap_setgid)"), r.out)
        XCTAssertTrue(r.out.contains("  uid:        1000(ubuntu)"), r.out)
    }

    func testBrokenStatusIsAFailureNotACrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("caps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("9"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data().write(to: dir.appendingPathComponent("9/status"))
        let r = runToolbox(["toolbox", "caps", "9"], procRoot: dir.path)
        XCTAssertEqual(r, RunResult(out: "", err: "caps: 9: cannot parse status\n", code: 1))
    }
}

/// `toolbox caps` and `caps PID` on live processes, compared with the kernel's own status file.
final class CapsLiveTests: XCTestCase {
    func testLiveProcessesUnderReducedCapabilities() throws {
        let bin = try toolboxBinary()
        // Run toolbox with only cap_setuid,cap_setgid effective (like a restricted debug container).
        let r = try runProcess(try which("setpriv"), ["--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all,+setuid,+setgid",
                                                bin, "caps"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("  CapBnd:     0x00000000000000c0=cap_setgid,cap_setuid\n"), r.out)
        XCTAssertTrue(r.out.contains("toolbox can still open them by taking the target's uid and gid"), r.out)

        // caps PID for a sleeping process as uid 4242 with no passwd entry.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: try which("setpriv"))
        sleeper.arguments = ["--reuid", "4242", "--regid", "4242", "--clear-groups", "--inh-caps=-all", "sleep", "30"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        // Wait until the child has exec'd sleep (its uid changes at setpriv time).
        var status = ""
        for _ in 0..<100 {
            status = (try? String(contentsOfFile: "/proc/\(sleeper.processIdentifier)/status", encoding: .utf8)) ?? ""
            if status.contains("Name:\tsleep") { break }
            usleep(20_000)
        }
        let p = try runProcess(bin, ["caps", String(sleeper.processIdentifier), "999999999"])
        XCTAssertEqual(p.code, 1)
        XCTAssertEqual(p.err, "caps: 999999999: no such process\n")
        XCTAssertTrue(p.out.hasPrefix("pid \(sleeper.processIdentifier) (sleep):\n  uid:        4242\n  gid:        4242\n"), p.out)
        let capBnd = status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }!.split(separator: "\t")[1]
        XCTAssertTrue(p.out.contains("  CapBnd:     " + (try CapabilitySet(parsingHex: String(capBnd))).decoded + "\n"), p.out)
        XCTAssertTrue(p.out.contains("  CapEff:     0x0000000000000000=\n"), p.out)
    }
}
