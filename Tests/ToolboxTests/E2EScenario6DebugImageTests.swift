import Foundation
import XCTest

/// Scenario 6, the debug image without a shell: the image built from
/// Dockerfile.toolbox (BINARY_FROM=prebuilt) runs every applet through its
/// entrypoint and through the /bin symlinks, and `caps` reports what podman
/// really granted.
final class E2EScenario6DebugImageTests: E2ETestCase {
    override class var scenarioName: String { "s6" }

    private func hostApplets() throws -> [String] {
        let r = try host(e.toolbox, ["--list"])
        XCTAssertEqual(r.code, 0)
        return lines(r.out)
    }

    func testImageConfigIsEntrypointToolboxFromScratch() throws {
        let r = try e.podman.must(["image", "inspect", "--format",
                                   "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{len .RootFS.Layers}}", e.toolboxImage])
        // Two layers: /toolbox and /bin with its symlinks; nothing else.
        XCTAssertEqual(r.outString, "[\"/toolbox\"] [\"--help\"] 2\n")
    }

    /// The image's whole file tree: /toolbox and /bin/APPLET -> /toolbox.
    func testImageHoldsOnlyTheBinaryAndItsSymlinks() throws {
        let mount = try e.podman.must(["image", "mount", e.toolboxImage]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? e.podman(["image", "unmount", e.toolboxImage]) }
        let fm = FileManager.default
        let all = try fm.subpathsOfDirectory(atPath: mount).sorted()
        let applets = try hostApplets()
        XCTAssertEqual(all, (["bin", "toolbox"] + applets.map { "bin/\($0)" }).sorted())
        for a in applets {
            XCTAssertEqual(try fm.destinationOfSymbolicLink(atPath: "\(mount)/bin/\(a)"), "/toolbox", a)
        }
        let binary = try Data(contentsOf: URL(fileURLWithPath: mount + "/toolbox"))
        XCTAssertEqual(binary, try Data(contentsOf: URL(fileURLWithPath: e.toolbox)), "the image holds the binary under test")
    }

    func testListThroughEntrypoint() throws {
        let r = try tb([], ["--list"])
        XCTAssertEqual(ok(r, "toolbox --list"), try host(e.toolbox, ["--list"]).out)
        XCTAssertTrue(lines(r.outString).contains("caps"), r.outString)
    }

    func testDefaultCommandPrintsHelp() throws {
        let r = try tb([], [])
        XCTAssertEqual(ok(r, "podman run IMAGE"), try host(e.toolbox, ["--help"]).out)
    }

    /// `podman run IMAGE APPLET --help` for every applet: the entrypoint
    /// dispatches on the first argument.
    func testEveryAppletHelpThroughEntrypoint() throws {
        for applet in try hostApplets() {
            let want = try host(e.toolbox, [applet, "--help"])
            XCTAssertEqual(want.code, 0, applet)
            let r = try tb([], [applet, "--help"])
            XCTAssertEqual(ok(r, "\(applet) --help"), want.out, applet)
        }
    }

    /// `podman run --entrypoint /bin/APPLET IMAGE --help`: the symlinks made
    /// by `toolbox --install` in the image dispatch on argv[0].
    func testEveryAppletSymlinkInBin() throws {
        for applet in try hostApplets() {
            let want = try host(e.toolbox, [applet, "--help"])
            let r = try tb(["--entrypoint", "/bin/\(applet)"], ["--help"])
            XCTAssertEqual(ok(r, "/bin/\(applet) --help"), want.out, applet)
        }
    }

    func testNoShellInTheImage() throws {
        let r = try tb(["--entrypoint", "/bin/sh"], ["-c", "true"])
        XCTAssertNotEqual(r.code, 0, "the debug image has a shell: \(r.outString)")
    }

    func testUnknownAppletExit127() throws {
        let r = try tb([], ["nosuchapplet"])
        XCTAssertEqual(r.code, 127)
        XCTAssertEqual(r.err, "toolbox: unknown applet 'nosuchapplet'\n")
    }

    /// The foundation's "image runs caps under podman": the effective set
    /// `caps` decodes is the one podman says it granted.
    func testCapsMatchesWhatPodmanGranted() throws {
        let n = e.name(s, "caps")
        let r = try e.podman(["run", "--name", n, e.toolboxImage, "caps"])
        let out = ok(r, "caps")
        let granted = try e.podman.must(["inspect", "--format", "{{json .EffectiveCaps}}", n]).out
        let names = try JSONDecoder().decode([String].self, from: granted).map { $0.lowercased() }.sorted()
        let eff = lines(out).first { $0.hasPrefix("  CapEff:") }
        XCTAssertNotNil(eff, out)
        let decoded = eff.flatMap { $0.split(separator: "=", maxSplits: 1).last }
            .map { $0.split(separator: ",").map(String.init).sorted() } ?? []
        XCTAssertEqual(decoded, names)
        XCTAssertFalse(names.contains("cap_sys_ptrace"), "podman's default set has no SYS_PTRACE")
        XCTAssertTrue(lines(out).contains("  uid:        0"), out)
        _ = try? e.podman(["rm", "-f", n])
    }

    func testCapsDecodeMatchesCapsh() throws {
        let want = try host("capsh", ["--decode=0x805fb"])
        XCTAssertEqual(want.code, 0)
        XCTAssertEqual(ok(try tb([], ["caps", "--decode", "805fb"]), "caps --decode"), want.out)
        XCTAssertEqual(ok(try tb(["--entrypoint", "/bin/caps"], ["--decode=0x805fb"]), "/bin/caps --decode"), want.out)
    }
}
