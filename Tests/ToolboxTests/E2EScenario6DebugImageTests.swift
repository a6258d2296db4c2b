import Foundation
import XCTest

/// Scenario 6, the debug image: the image built from Dockerfile.toolbox
/// (BINARY_FROM=prebuilt) lands in toolbox's own sh, runs every applet
/// through its entrypoint and through the /bin symlinks, and `caps` reports
/// what podman really granted.
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
        // One layer: /toolbox, /bin with its symlinks, /etc, /tmp.
        XCTAssertEqual(r.outString, "[\"/toolbox\"] [\"sh\"] 1\n")
    }

    /// The image's whole file tree: /toolbox, /bin/APPLET -> /toolbox (sh
    /// and toolbox among them), /etc/passwd and /etc/group, /tmp (1777).
    func testImageHoldsOnlyTheBinaryAndItsSymlinks() throws {
        let mount = try e.podman.must(["image", "mount", e.toolboxImage]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? e.podman(["image", "unmount", e.toolboxImage]) }
        let fm = FileManager.default
        let all = try fm.subpathsOfDirectory(atPath: mount).sorted()
        let applets = try hostApplets()
        XCTAssertEqual(all, (["bin", "bin/toolbox", "etc", "etc/group", "etc/passwd", "tmp", "toolbox"] + applets.map { "bin/\($0)" }).sorted())
        XCTAssertTrue(applets.contains("sh"))
        let tmpMode = try fm.attributesOfItem(atPath: mount + "/tmp")[.posixPermissions] as? Int
        XCTAssertEqual(tmpMode, 0o1777, "/tmp is writable by all, sticky")
        XCTAssertEqual(try String(contentsOfFile: mount + "/etc/passwd", encoding: .utf8),
                       "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        XCTAssertEqual(try String(contentsOfFile: mount + "/etc/group", encoding: .utf8), "root:x:0:\nnogroup:x:65534:\n")
        for a in applets + ["toolbox"] {
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

    /// The default command is sh: without a terminal it reads the script
    /// on stdin without prompts (`kubectl exec -i ... -- sh < script.sh`).
    func testDefaultCommandIsAShellReadingStdin() throws {
        let r = try tb([], [], stdin: Data("echo $0 here; cd /tmp; pwd; : > f && echo wrote; type ls sh toolbox\n".utf8))
        XCTAssertEqual(ok(r, "podman run -i IMAGE < script"),
                       "sh here\n/tmp\nwrote\nls is a toolbox applet\nsh is a toolbox applet\ntoolbox is /bin/toolbox\n")
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

    /// /bin/sh is toolbox's sh, and pipelines of applets need nothing else.
    func testBinShIsToolboxSh() throws {
        let r = try tb(["--entrypoint", "/bin/sh"], ["-c", "ps -e -o pid,args | cat | cat; echo status $?"])
        let out = ok(r, "/bin/sh -c pipeline")
        XCTAssertTrue(out.contains("/bin/sh -c ps -e -o pid,args"), out)
        XCTAssertTrue(out.hasSuffix("status 0\n"), out)
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
        XCTAssertTrue(lines(out).contains("  uid:        0(root)"), "named from the image's /etc/passwd: \(out)")
        _ = try? e.podman(["rm", "-f", n])
    }

    func testCapsDecodeMatchesCapsh() throws {
        let want = try host("capsh", ["--decode=0x805fb"])
        XCTAssertEqual(want.code, 0)
        XCTAssertEqual(ok(try tb([], ["caps", "--decode", "805fb"]), "caps --decode"), want.out)
        XCTAssertEqual(ok(try tb(["--entrypoint", "/bin/caps"], ["--decode=0x805fb"]), "/bin/caps --decode"), want.out)
    }
}
