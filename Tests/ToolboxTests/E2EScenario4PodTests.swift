import Foundation
import XCTest

/// Scenario 4, a pod with a shared PID namespace (`podman pod create
/// --share pid,net,ipc,uts`, the `shareProcessNamespace: true` case):
/// podman's infra process (catatonit, from the pause image podman builds
/// locally) is PID 1, the app is another PID, and toolbox runs as one more
/// container of the pod with podman's default capabilities. `ps -e -o
/// pid,user,container,args` attributes each process to its container, as
/// podman names them, and marks the infra process.
final class E2EScenario4PodTests: E2ETestCase {
    override class var scenarioName: String { "s4" }
    override class func start(_ e: E2E, _ s: Scenario) throws {
        try e.notePauseImage()
        let pod = "\(e.prefix)-s4-pod"
        s.pods.append(pod)
        try e.podman.must(["pod", "create", "--name", pod, "--share", "pid,net,ipc,uts", "--network", "none"])
        e.resolvePauseImage()
        s.values["pod"] = pod
        try e.startApp(s, pod: pod)
        s.values["infraId"] = try e.podman.must(["pod", "inspect", "--format", "{{.InfraContainerID}}", pod]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        s.values["appId"] = try e.podman.must(["inspect", "--format", "{{.Id}}", s["app"]]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard s["infraId"].count == 64, s["appId"].count == 64 else {
            throw E2EError("unexpected container ids: infra '\(s["infraId"])', app '\(s["appId"])'")
        }
    }

    private func short(_ id: String) -> String { String(id.prefix(12)) }

    /// Runs toolbox as a named container of the pod (kept until it is
    /// inspected, so its id is known) and returns its output and id.
    private func inPod(_ args: [String]) throws -> (RawResult, String) {
        let n = e.name(s, "tb\(s.containers.count)")
        let r = try e.podman(["run", "--name", n, "--pod", s["pod"], e.toolboxImage] + args)
        let id = try e.podman.must(["inspect", "--format", "{{.Id}}", n]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try? e.podman(["rm", "-f", n])
        return (r, id)
    }

    func testPauseIsPid1AndTheAppIsFound() throws {
        let (r, _) = try inPod(["ps", "-ef"])
        let out = ok(r, "ps -ef")
        let pause = psRow(out, pid: "1")
        // The pause image has no /etc/passwd: uid 0 prints as a number.
        XCTAssertEqual(pause?[0], "0", out)
        XCTAssertEqual(pause.map { Array($0.dropFirst(7)) }, ["/catatonit", "-P"], out)
        let app = lines(out).dropFirst().map(fields).first { Array($0.dropFirst(7)) == AppFiles.serverArgs }
        XCTAssertNotNil(app, "the app is not in ps -ef:\n\(out)")
        XCTAssertNotEqual(app?[1], "1", out)
        XCTAssertEqual(app?[2], "0", "the app's parent is outside the pod's PID namespace (conmon):\n\(out)")
    }

    /// The sidecar has podman's default capabilities (no SYS_PTRACE): the
    /// app's /etc/passwd is reached by borrowing its uid, as ls/cat do.
    func testAppUserNamedFromItsOwnPasswdWithDefaultCaps() throws {
        let (r, _) = try inPod(["ps", "-ef"])
        let out = ok(r, "ps -ef")
        let app = lines(out).dropFirst().map(fields).first { Array($0.dropFirst(7)) == AppFiles.serverArgs }
        XCTAssertEqual(app?[0], "app", "uid 1000 named from the app's /etc/passwd:\n\(out)")
    }

    func testPsAttributesEachProcessToItsContainer() throws {
        // -e: like procps, -o alone selects only this user's processes on this tty.
        let (r, myId) = try inPod(["ps", "-e", "-o", "pid,user,container,args"])
        let out = ok(r, "ps -e -o pid,user,container,args")
        let rows = lines(out).map(fields)
        XCTAssertEqual(rows.first, ["PID", "USER", "CONTAINER", "COMMAND"], out)
        let byArgs = Dictionary(rows.dropFirst().map { (Array($0.dropFirst(3)).joined(separator: " "), $0) },
                                uniquingKeysWith: { a, _ in a })
        let pause = byArgs["/catatonit -P"]
        XCTAssertEqual(pause?[0], "1", out)
        XCTAssertEqual(pause?[2], short(s["infraId"]) + "(infra)", "PID 1 is the pod's infra container:\n\(out)")
        let app = byArgs[AppFiles.serverArgs.joined(separator: " ")]
        XCTAssertEqual(app?[2], short(s["appId"]), "the app's container id as podman names it:\n\(out)")
        let me = byArgs["/toolbox ps -e -o pid,user,container,args"]
        XCTAssertEqual(me?[2], short(myId), "ps's own container:\n\(out)")
        XCTAssertEqual(rows.count, 4, "infra, app and ps only:\n\(out)")
        // Only PID 1 is marked infra.
        XCTAssertEqual(rows.filter { $0.count > 2 && $0[2].hasSuffix("(infra)") }.count, 1, out)
    }

    /// The same three ids `podman ps` shows for the pod's containers.
    func testContainerIdsAreTheOnesPodmanShows() throws {
        let (r, myId) = try inPod(["ps", "-e", "-o", "container="])
        let out = ok(r, "ps -e -o container=")
        let shown = Set(lines(out).map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "(infra)", with: "") })
        XCTAssertEqual(shown, [short(s["infraId"]), short(s["appId"]), short(myId)], out)
        let podman = Set(try e.podman.lines(["ps", "--filter", "pod=\(s["pod"])", "--format", "{{.ID}}"]))
        XCTAssertTrue(podman.isSuperset(of: [short(s["infraId"]), short(s["appId"])]), "\(podman)")
    }

    func testNetstatInThePodSeesTheAppsListener() throws {
        let (r, _) = try inPod(["netstat", "-tln"])
        let out = ok(r, "netstat -tln")
        XCTAssertEqual(out, try hostNetstat("-tln").out)
        XCTAssertTrue(lines(out).map(fields).contains(["tcp6", "0", "0", ":::8080", ":::*", "LISTEN"]), out)
    }
}
