import Foundation
import XCTest

/// Scenario 7, a whole debugging session in the toolbox-only image: joined
/// to the app's PID and network namespaces, `podman run -it` lands at
/// toolbox's sh prompt, where `ps -ef | grep server`, `cd /proc/1/root/app;
/// cat config` and `netstat -tlnp` work; a `-i` container without a
/// terminal stays up for `podman exec ... sh -c`, and `podman cp` into /tmp works.
final class E2EScenario7ShellSessionTests: E2ETestCase {
    override class var scenarioName: String { "s7" }
    override class func start(_ e: E2E, _ s: Scenario) throws { try e.startApp(s) }

    private func opts() throws -> [String] { try e.joinApp(s) + ["--cap-add", "SYS_PTRACE"] }

    /// `podman run -it` on a pseudo-terminal driven by python3's pty module.
    func testInteractiveSessionOnATerminal() throws {
        let python = try which("python3")
        let n = e.name(s, "it")
        let argv = ["podman", "--runtime", "runc", "run", "--rm", "-it", "--name", n] + (try opts()) + [e.toolboxImage]
        // grep is an applet once the text applets are merged; until then the
        // image (nothing but toolbox) has none, and the pipeline ends in cat.
        let applets = lines(try host(e.toolbox, ["--list"]).out)
        let psLine = applets.contains("grep") ? "ps -ef | grep server | grep -v grep" : "ps -ef | cat"
        let driver = """
        import os, pty, select, sys, time, json
        argv = json.loads(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(argv[0], argv)
        def read(t):
            out = b""; end = time.time() + t
            while time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.1)
                if r:
                    try: out += os.read(fd, 65536)
                    except OSError: break
            return out.decode("utf-8", "replace")
        transcript = read(8)
        for line in [sys.argv[2], "cd /proc/1/root/app; cat config; pwd", "netstat -tlnp", "exit 7"]:
            os.write(fd, (line + "\\r").encode())
            transcript += read(4)
        _, st = os.waitpid(pid, 0)
        print(json.dumps({"out": transcript, "status": os.waitstatus_to_exitcode(st)}))
        """
        let args = try String(data: JSONSerialization.data(withJSONObject: argv), encoding: .utf8)!
        var env = ProcessInfo.processInfo.environment
        env["CONTAINERS_CONF"] = e.work.appendingPathComponent("containers.conf").path
        let r = try runProcess(python, ["-c", driver, args, psLine], environment: env)
        let result = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let out = (result?["out"] as? String) ?? r.out + r.err
        XCTAssertTrue(out.contains("@"), "a user@host:/path# prompt:\n\(out)")
        XCTAssertTrue(out.contains("/app/server --port 8080 --config /app/config"), out)
        XCTAssertTrue(out.contains("/proc/1/root/app\r\n"), out)
        XCTAssertTrue(out.contains(":::8080"), out)
        XCTAssertTrue(out.contains("1/server"), out)
        XCTAssertEqual(result?["status"] as? Int, 7, out)
    }

    /// `podman run -d -i` (no terminal, stdin open) stays up; `podman exec`
    /// runs sh -c inside it; `podman cp` writes into its /tmp.
    func testNonTTYContainerStaysUpForExec() throws {
        let n = e.name(s, "stay")
        try e.podman.must(["run", "-d", "-i", "--name", n] + (try opts()) + [e.toolboxImage])
        usleep(500_000)
        let state = try e.podman.must(["inspect", "--format", "{{.State.Running}}", n]).outString
        XCTAssertEqual(state, "true\n", "the -i container keeps running (sh waits on stdin)")
        let r = try e.podman(["exec", n, "sh", "-c", "cd /proc/1/root/app && cat config | cat; ls ../etc | cat > /tmp/etc.txt; cat /tmp/etc.txt"])
        let out = ok(r, "podman exec sh -c")
        XCTAssertTrue(out.contains("passwd"), out)
        let local = e.work.appendingPathComponent("copied.txt")
        try Data("copied in\n".utf8).write(to: local)
        try e.podman.must(["cp", local.path, "\(n):/tmp/copied.txt"])
        XCTAssertEqual(ok(try e.podman(["exec", n, "cat", "/tmp/copied.txt"]), "cat copied"), "copied in\n")
    }
}
