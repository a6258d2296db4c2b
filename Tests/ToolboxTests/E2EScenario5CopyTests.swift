import Foundation
import XCTest

/// Scenario 5, copying files out and in the way `kubectl cp` does: it
/// execs `tar cf - ...` (copy out) and `tar -xmf - -C DIR` (copy in) in the
/// debug container, which here has only toolbox (PATH=/bin, where `tar`
/// is a symlink to it). The debug container joins the app's PID namespace
/// and stays up running `cat` on an open stdin (`podman run -d -i`), as
/// `kubectl debug -i ... -- cat` would; /work is a host directory mounted
/// into it so what toolbox extracts can be compared on the host.
final class E2EScenario5CopyTests: E2ETestCase {
    override class var scenarioName: String { "s5" }
    override class func start(_ e: E2E, _ s: Scenario) throws {
        let app = try e.startApp(s)
        let dir = e.work.appendingPathComponent("s5-work")
        for sub in ["out", "in"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        s.values["work"] = dir.path
        let tb = e.name(s, "debugger")
        s.values["debugger"] = tb
        try e.podman.must(["run", "-d", "-i", "--name", tb, "--pid", "container:\(app)", "--network", "container:\(app)",
                           "-v", "\(dir.path):/work", e.toolboxImage, "cat"])
        usleep(300_000)
        let state = try e.podman.must(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", tb]).outString
        guard state.hasPrefix("running") else {
            let logs = (try? e.podman(["logs", tb])).map { $0.outString + $0.err } ?? ""
            throw E2EError("the debug container \(tb) running `toolbox cat` is not running (\(state.trimmingCharacters(in: .whitespacesAndNewlines))); its output:\n\(logs)")
        }
    }

    private func exec(_ args: [String], stdin: Data? = nil) throws -> RawResult {
        try e.podman(["exec"] + (stdin == nil ? [] : ["-i"]) + [s["debugger"]] + args, stdin: stdin)
    }

    private func hostTar(_ args: [String], stdin: Data) throws -> RawResult {
        try runRaw("tar", args, stdin: stdin)
    }

    private func tempDir() throws -> URL {
        let d = e.work.appendingPathComponent("s5-host-\(UInt32.random(in: 0..<UInt32.max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// `kubectl cp POD:/proc/1/root/app/FILE ./FILE` (newer kubectl form),
    /// unpacked by GNU tar on the host.
    func testCopyOutUnpackedByGNUTar() throws {
        for (name, want) in [("config", AppFiles.config), ("blob.bin", AppFiles.blob)] {
            let archive = try exec(["tar", "cf", "-", "-C", "/proc/1/root/app", "--", name])
            XCTAssertEqual(archive.code, 0, archive.err)
            XCTAssertEqual(archive.err, "")
            let list = try hostTar(["tf", "-"], stdin: archive.out)
            XCTAssertEqual(list.text.out, "\(name)\n", list.err)
            let d = try tempDir()
            let x = try hostTar(["-xmf", "-", "-C", d.path], stdin: archive.out)
            XCTAssertEqual(x.code, 0, x.err)
            XCTAssertEqual(try Data(contentsOf: d.appendingPathComponent(name)), want, name)
        }
    }

    /// The classic form kubectl runs, `tar cf - /proc/1/root/app/config`:
    /// members keep the path without its leading `/`.
    func testCopyOutClassicForm() throws {
        let archive = try exec(["tar", "cf", "-", "/proc/1/root/app/config"])
        XCTAssertEqual(archive.code, 0, archive.err)
        XCTAssertEqual(archive.err, "tar: Removing leading `/' from member names\n")
        let d = try tempDir()
        let x = try hostTar(["-xmf", "-", "-C", d.path], stdin: archive.out)
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(try Data(contentsOf: d.appendingPathComponent("proc/1/root/app/config")), AppFiles.config)
    }

    /// Toolbox's archive unpacked by toolbox's own tar in the debug container.
    func testCopyOutUnpackedByToolboxTar() throws {
        let archive = try exec(["tar", "cf", "-", "-C", "/proc/1/root/app", "--", "blob.bin", "config"])
        XCTAssertEqual(archive.code, 0, archive.err)
        let x = try exec(["tar", "-xmf", "-", "-C", "/work/out"], stdin: archive.out)
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(x.err, "")
        let out = URL(fileURLWithPath: s["work"]).appendingPathComponent("out")
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("config")), AppFiles.config)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("blob.bin")), AppFiles.blob)
    }

    /// `kubectl cp ./payload POD:/work/in/payload`: GNU tar on the host
    /// packs, toolbox unpacks with `tar -xmf - -C DIR`.
    func testCopyInFromGNUTar() throws {
        let src = try tempDir()
        let payload = Data(AppFiles.blob.reversed())
        try payload.write(to: src.appendingPathComponent("payload.bin"))
        let archive = try runRaw("tar", ["cf", "-", "-C", src.path, "--", "payload.bin"])
        XCTAssertEqual(archive.code, 0, archive.err)
        let x = try exec(["tar", "-xmf", "-", "-C", "/work/in"], stdin: archive.out)
        XCTAssertEqual(x.code, 0, x.err)
        XCTAssertEqual(x.err, "")
        let got = try Data(contentsOf: URL(fileURLWithPath: s["work"]).appendingPathComponent("in/payload.bin"))
        XCTAssertEqual(got, payload)
    }
}
