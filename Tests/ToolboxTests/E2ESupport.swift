import Foundation
import XCTest

// End-to-end harness: real containers with Debian's podman and runc.
//
// Once per test process (the first E2E test to run) it
//   - checks podman and runc (installs them with apt-get when missing),
//   - writes its own containers.conf (`default_ulimits = []`: raising
//     RLIMIT_NOFILE is not permitted here) and points CONTAINERS_CONF at it,
//   - builds the app image (Tests/Fixtures/e2e: a static C HTTP server as
//     uid 1000) and the toolbox image from the real Dockerfile.toolbox with
//     BINARY_FROM=prebuilt and the release binary (no registry needed).
// Each scenario class starts its containers once (first test) and removes
// them in its class tearDown; images go when the test bundle finishes.
// Everything is named toolbox-e2e-<pid>-<random>-...: a later run removes
// what a killed run left behind (its pid is gone). Every podman call uses
// `--runtime runc` (crun rejects this machine's hybrid cgroups).
// If podman cannot build or start something, the tests fail with podman's
// own error; nothing is skipped.

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Output kept as bytes (tar streams), for exact comparisons.
struct RawResult {
    var out: Data
    var err: String
    var code: Int32
    var outString: String { String(decoding: out, as: UTF8.self) }
    var text: RunResult { RunResult(out: outString, err: err, code: code) }
}

/// Runs a program with posix_spawn and waitpid. Not Foundation's Process:
/// it learns that a child exited from a socket the child inherits, and
/// `podman run -d` leaves conmon holding it, so the wait never ends.
/// stdout and stderr go to files (a daemon left behind cannot hold a pipe
/// open either); stdin is written from a pipe concurrently.
func runRaw(_ executable: String, _ args: [String], stdin: Data? = nil,
            environment: [String: String]? = nil) throws -> RawResult {
    let path = executable.hasPrefix("/") ? executable : try which(executable)
    let base = NSTemporaryDirectory() + "toolbox-e2e-io-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    let outFD = open(base + ".out", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let errFD = open(base + ".err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    unlink(base + ".out"); unlink(base + ".err")
    defer { close(outFD); close(errFD) }
    guard outFD >= 0, errFD >= 0 else { throw E2EError("cannot create \(base): \(String(cString: strerror(errno)))") }
    var pipeFDs: [Int32] = [-1, -1]
    if stdin != nil {
        guard pipe(&pipeFDs) == 0 else { throw E2EError("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC); _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
    }
    let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { close(nullFD) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin != nil ? pipeFDs[0] : nullFD, 0)
    posix_spawn_file_actions_adddup2(&actions, outFD, 1)
    posix_spawn_file_actions_adddup2(&actions, errFD, 2)
    let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let argv = ([path] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    if stdin != nil { close(pipeFDs[0]) }
    guard rc == 0 else {
        if stdin != nil { close(pipeFDs[1]) }
        throw E2EError("posix_spawn \(path): \(String(cString: strerror(rc)))")
    }
    let group = DispatchGroup()
    if let stdin {
        let w = pipeFDs[1]
        group.enter()
        DispatchQueue.global().async {
            // A child that exits early closes the pipe: ignore EPIPE here.
            signal(SIGPIPE, SIG_IGN)
            stdin.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
                var off = 0
                while off < buf.count {
                    let n = write(w, buf.baseAddress! + off, buf.count - off)
                    if n < 0 { if errno == EINTR { continue }; break }
                    off += n
                }
            }
            close(w)
            group.leave()
        }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw E2EError("waitpid \(pid): \(String(cString: strerror(errno)))") }
    }
    group.wait()
    func slurp(_ fd: Int32) -> Data {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        var off: off_t = 0
        while true {
            let n = pread(fd, &buf, buf.count, off)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n]); off += off_t(n)
        }
        return data
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (macros are not imported).
    let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return RawResult(out: slurp(outFD), err: String(decoding: slurp(errFD), as: UTF8.self), code: code)
}

/// podman with this run's containers.conf and `--runtime runc`.
struct Podman {
    let environment: [String: String]

    func callAsFunction(_ args: [String], stdin: Data? = nil) throws -> RawResult {
        try runRaw("podman", ["--runtime", "runc"] + args, stdin: stdin, environment: environment)
    }

    /// Runs and throws podman's own error unless it exits 0.
    @discardableResult
    func must(_ args: [String], stdin: Data? = nil) throws -> RawResult {
        let r = try self(args, stdin: stdin)
        guard r.code == 0 else {
            throw E2EError("podman \(args.joined(separator: " ")) failed (exit \(r.code)):\n\(r.err)\(r.outString)")
        }
        return r
    }

    /// Lines of a `--format` query (empty lines dropped).
    func lines(_ args: [String]) throws -> [String] {
        try must(args).outString.split(separator: "\n").map(String.init)
    }
}

/// Files of the app image, kept here so tests compare against them byte for byte.
enum AppFiles {
    static let config = Data("""
        # app configuration (e2e fixture)
        listen = [::]:8080
        greeting = hello from the app container
        """.utf8 + [0x0a])
    static let caPEM = Data("-----BEGIN CERTIFICATE-----\nthe APP's CA (e2e fixture)\n-----END CERTIFICATE-----\n".utf8)
    static let decoyCaPEM = Data("-----BEGIN CERTIFICATE-----\nthe DEBUG container's CA (decoy)\n-----END CERTIFICATE-----\n".utf8)
    static let secret = Data("root-only secret (0600 root)\n".utf8)
    static let state = Data("owned by uid 1000\n".utf8)
    /// 96 KiB of every byte value, so a tar round trip is checked on binary data.
    static let blob: Data = {
        var bytes = [UInt8](repeating: 0, count: 96 * 1024)
        var x: UInt32 = 2463534242
        for i in bytes.indices { x ^= x << 13; x ^= x >> 17; x ^= x << 5; bytes[i] = UInt8(truncatingIfNeeded: x) }
        return Data(bytes)
    }()
    static let passwd = "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:the app:/app:/sbin/nologin\n"
    static let group = "root:x:0:\napp:x:1000:\n"
    static let serverArgs = ["/app/server", "--port", "8080", "--config", "/app/config"]
}

/// Containers and pods one scenario class created, removed in its tearDown.
final class Scenario: @unchecked Sendable {
    let name: String
    var containers: [String] = []
    var pods: [String] = []
    /// Pid files of host daemons the scenario started (dnsmasq), killed on stop.
    var pidFiles: [String] = []
    var values: [String: String] = [:]
    init(name: String) { self.name = name }
    subscript(key: String) -> String { values[key] ?? "" }
}

final class E2E: @unchecked Sendable {
    nonisolated(unsafe) private static var cached: Result<E2E, E2EError>?
    nonisolated(unsafe) static var existing: E2E?

    let prefix: String               // toolbox-e2e-<pid>-<random>
    let podman: Podman
    let work: URL                    // temporary directory of this run
    let toolbox: String              // the release binary on the host
    let appImage: String
    let toolboxImage: String
    let toolboxStageImage: String
    private var scenarios: [String: Result<Scenario, E2EError>] = [:]
    private var removePauseImage: String?

    /// The environment, built once per process; later calls get the same
    /// value or the same error.
    static func shared() throws -> E2E {
        if cached == nil {
            do {
                let e = try E2E()
                existing = e
                cached = .success(e)
                XCTestObservationCenter.shared.addTestObserver(BundleCleanup())
            } catch let error as E2EError {
                cached = .failure(error)
            } catch {
                cached = .failure(E2EError("\(error)"))
            }
        }
        return try cached!.get()
    }

    private init() throws {
        toolbox = try toolboxBinary()
        try E2E.ensureInstalled()
        let pid = getpid()
        prefix = "toolbox-e2e-\(pid)-\(String(UInt32.random(in: 0..<0xffff_ffff), radix: 36))"
        work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(prefix)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let conf = work.appendingPathComponent("containers.conf")
        try "[containers]\ndefault_ulimits = []\n".write(to: conf, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["CONTAINERS_CONF"] = conf.path
        podman = Podman(environment: env)
        appImage = "localhost/\(prefix)-app:latest"
        toolboxImage = "localhost/\(prefix)-toolbox:latest"
        toolboxStageImage = "localhost/\(prefix)-toolbox-stage:latest"
        E2E.sweepLeftovers(podman)
        do {
            try buildAppImage()
            try buildToolboxImage()
        } catch {
            removeImages()
            try? FileManager.default.removeItem(at: work)
            throw error
        }
    }

    // MARK: set-up

    /// podman and runc from Debian's packages; installed when missing.
    static func ensureInstalled() throws {
        let missing = [("podman", "podman"), ("runc", "runc"), ("gcc", "gcc"), ("tar", "tar")].filter { cmd, _ in
            !["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + cmd) }
        }.map { $0.1 }
        guard !missing.isEmpty else { return }
        var env = ProcessInfo.processInfo.environment
        env["DEBIAN_FRONTEND"] = "noninteractive"
        _ = try? runRaw("/usr/bin/apt-get", ["update", "-qq"], environment: env)
        let r = try runRaw("/usr/bin/apt-get", ["install", "-y", "-qq"] + missing, environment: env)
        guard r.code == 0 else {
            throw E2EError("\(missing.joined(separator: ", ")) missing and apt-get install failed (exit \(r.code)):\n\(r.err)")
        }
    }

    /// Removes containers, pods and images of earlier runs whose process is gone.
    static func sweepLeftovers(_ podman: Podman) {
        func stale(_ name: String) -> Bool {
            guard let r = name.range(of: "toolbox-e2e-") else { return false }
            let rest = name[r.upperBound...]
            guard let pid = Int32(rest.prefix { $0.isNumber }) else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        // Work directories and output files of dead runs.
        let tmp = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
        where name.hasPrefix("toolbox-e2e-") && stale(name.replacingOccurrences(of: "toolbox-e2e-io-", with: "toolbox-e2e-")) {
            try? FileManager.default.removeItem(atPath: tmp + "/" + name)
        }
        let ctrs = ((try? podman.lines(["ps", "-a", "--format", "{{.Names}}"])) ?? []).filter(stale)
        if !ctrs.isEmpty { _ = try? podman(["rm", "-f", "-t", "0"] + ctrs) }
        let pods = ((try? podman.lines(["pod", "ps", "--format", "{{.Name}}"])) ?? []).filter(stale)
        if !pods.isEmpty { _ = try? podman(["pod", "rm", "-f", "-t", "0"] + pods) }
        let images = ((try? podman.lines(["images", "-a", "--filter", "label=toolbox-e2e.run",
                                            "--format", "{{.ID}} {{index .Labels \"toolbox-e2e.run\"}}"])) ?? [])
            .map(fields).filter { $0.count == 2 && stale($0[1]) }.map { $0[0] }
        if !images.isEmpty { _ = try? podman(["rmi", "-f"] + images) }
    }

    private func write(_ data: Data, _ path: String, mode: Int) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        guard chmod(path, mode_t(mode)) == 0 else { throw E2EError("chmod \(path): \(String(cString: strerror(errno)))") }
    }

    private func buildAppImage() throws {
        let ctx = work.appendingPathComponent("app-context").path
        let root = ctx + "/rootfs"
        try FileManager.default.createDirectory(atPath: root + "/app", withIntermediateDirectories: true)
        let cc = try runRaw("gcc", ["-static", "-O2", "-Wall", "-o", root + "/app/server", fixturePath("e2e/httpd.c")])
        guard cc.code == 0 else { throw E2EError("gcc -static -O2 httpd.c failed (exit \(cc.code)):\n\(cc.err)") }
        try write(AppFiles.config, root + "/app/config", mode: 0o644)
        try write(AppFiles.blob, root + "/app/blob.bin", mode: 0o644)
        try write(AppFiles.secret, root + "/app/secret.key", mode: 0o600)
        try write(Data(AppFiles.passwd.utf8), root + "/etc/passwd", mode: 0o644)
        try write(Data(AppFiles.group.utf8), root + "/etc/group", mode: 0o644)
        try write(AppFiles.caPEM, root + "/etc/ssl/certs/ca.pem", mode: 0o644)
        try FileManager.default.createSymbolicLink(atPath: root + "/etc/ssl/cert.pem", withDestinationPath: "/etc/ssl/certs/ca.pem")
        try write(AppFiles.state, ctx + "/data/state", mode: 0o640)
        try FileManager.default.copyItem(atPath: fixturePath("e2e/Containerfile.app"), toPath: ctx + "/Containerfile")
        try podman.must(["build", "-q", "--layers=false", "--label", "toolbox-e2e.run=\(prefix)", "-f", ctx + "/Containerfile", "-t", appImage, ctx])
    }

    /// The real Dockerfile.toolbox, offline: BINARY_FROM=prebuilt with the
    /// release binary copied into a small context.
    private func buildToolboxImage() throws {
        let ctx = work.appendingPathComponent("toolbox-context").path
        try FileManager.default.createDirectory(atPath: ctx, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: toolbox, toPath: ctx + "/toolbox")
        let dockerfile = packageRoot.appendingPathComponent("Dockerfile.toolbox").path
        let args = ["--label", "toolbox-e2e.run=\(prefix)", "-f", dockerfile, "--build-arg", "BINARY_FROM=prebuilt", "--build-arg", "PREBUILT=toolbox"]
        // The prebuilt stage is tagged too (then cached by the second build)
        // so that removing both tags removes every intermediate image; with
        // --layers=false podman 4.3 fails on `FROM <stage> AS binary`.
        try podman.must(["build", "-q", "--target", "prebuilt", "-t", toolboxStageImage] + args + [ctx])
        try podman.must(["build", "-q"] + args + ["-t", toolboxImage, ctx])
    }

    // MARK: scenarios

    /// The scenario's state, started once by `start`; a failed start fails
    /// every test of the class with the same error.
    func scenario(_ name: String, start: (Scenario) throws -> Void) throws -> Scenario {
        if let r = scenarios[name] { return try r.get() }
        let s = Scenario(name: name)
        do {
            try start(s)
            scenarios[name] = .success(s)
        } catch {
            scenarios[name] = .failure(error as? E2EError ?? E2EError("\(error)"))
            stop(s)
        }
        return try scenarios[name]!.get()
    }

    func finish(_ name: String) {
        guard let r = scenarios[name] else { return }
        if case .success(let s) = r { stop(s) }
    }

    private func stop(_ s: Scenario) {
        if !s.containers.isEmpty { _ = try? podman(["rm", "-f", "-t", "0"] + s.containers.reversed()) }
        if !s.pods.isEmpty { _ = try? podman(["pod", "rm", "-f", "-t", "0"] + s.pods) }
        for f in s.pidFiles {
            if let t = try? String(contentsOfFile: f, encoding: .utf8), let p = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)), p > 1 {
                kill(p, SIGTERM)
            }
        }
        s.containers = []; s.pods = []; s.pidFiles = []
    }

    /// A container name of this run, recorded for removal before it exists.
    func name(_ s: Scenario, _ what: String) -> String {
        let n = "\(prefix)-\(s.name)-\(what)"
        if !s.containers.contains(n) { s.containers.append(n) }
        return n
    }

    /// Starts the app (uid 1000, [::]:8080) and waits until it listens.
    /// Returns the container name; s["appPid"] is its host PID.
    @discardableResult
    func startApp(_ s: Scenario, pod: String? = nil, options: [String] = []) throws -> String {
        let n = name(s, "app")
        // Its own network namespace with only loopback (`--network none`):
        // no bridge, iptables or netavark needed on the CI machine, and the
        // listener on [::]:8080 is the same. In a pod the pod's namespace is used.
        try podman.must(["run", "-d", "--name", n] + (pod.map { ["--pod", $0] } ?? ["--network", "none"]) + options + [appImage])
        let pid = try podman.must(["inspect", "--format", "{{.State.Pid}}", n]).outString
            .trimmingCharacters(in: .whitespacesAndNewlines)
        s.values["appPid"] = pid
        s.values["app"] = n
        // LISTEN (0A) on port 8080 (1F90) in the app's network namespace.
        for _ in 0..<100 {
            if let t = try? String(contentsOfFile: "/proc/\(pid)/net/tcp6", encoding: .utf8),
               t.contains(":1F90 00000000000000000000000000000000:0000 0A") { return n }
            usleep(50_000)
        }
        let logs = (try? podman(["logs", n]))?.err ?? ""
        throw E2EError("the app container \(n) never listened on [::]:8080 (host pid \(pid)); logs:\n\(logs)")
    }

    /// `podman run --rm [options] TOOLBOX-IMAGE args...` (the image's entrypoint).
    func toolboxRun(_ s: Scenario, _ options: [String], _ args: [String], stdin: Data? = nil) throws -> RawResult {
        let n = name(s, "run\(s.containers.count)")
        return try podman(["run", "--rm", "--name", n] + (stdin == nil ? [] : ["-i"]) + options + [toolboxImage] + args,
                          stdin: stdin)
    }

    // MARK: teardown

    func removeImages() {
        for image in [appImage, toolboxImage, toolboxStageImage] { _ = try? podman(["rmi", "-f", image]) }
        // podman 4.3 keeps an intermediate image (`ARG PREBUILT`) that is
        // nobody's parent; the build label finds it.
        let left = (try? podman.lines(["images", "-a", "-q", "--filter", "label=toolbox-e2e.run=\(prefix)"])) ?? []
        if !left.isEmpty { _ = try? podman(["rmi", "-f"] + left) }
    }

    /// Called when the test bundle finishes: every scenario's containers, the images, the work directory.
    func cleanupAll() {
        for (_, r) in scenarios { if case .success(let s) = r { stop(s) } }
        removeImages()
        if let p = removePauseImage { _ = try? podman(["rmi", p]) }
        try? FileManager.default.removeItem(at: work)
    }

    /// podman builds its pause image for pods locally on first use; remove
    /// it at the end only if this run created it.
    func notePauseImage() throws {
        guard removePauseImage == nil else { return }
        let before = try podman.lines(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        if !before.contains(where: { $0.hasPrefix("localhost/podman-pause:") }) {
            removePauseImage = "pending"
        }
    }

    func resolvePauseImage() {
        guard removePauseImage == "pending" else { return }
        removePauseImage = (try? podman.lines(["images", "--format", "{{.Repository}}:{{.Tag}}"]))?
            .first { $0.hasPrefix("localhost/podman-pause:") }
    }
}

private final class BundleCleanup: NSObject, XCTestObservation {
    func testBundleDidFinish(_ testBundle: Bundle) { E2E.existing?.cleanupAll() }
}

/// Base class of the scenario classes: the shared environment, this class's
/// containers (started once, by `start`), removed in the class tearDown.
class E2ETestCase: XCTestCase {
    class var scenarioName: String { "base" }
    class func start(_ e: E2E, _ s: Scenario) throws {}

    var e: E2E!
    var s: Scenario!

    override func setUpWithError() throws {
        continueAfterFailure = true
        e = try E2E.shared()
        let cls = type(of: self)
        s = try e.scenario(cls.scenarioName) { try cls.start(e, $0) }
    }

    override class func tearDown() {
        E2E.existing?.finish(scenarioName)
        super.tearDown()
    }

    /// Runs toolbox in the toolbox image with `options` and this argv.
    func tb(_ options: [String], _ args: [String], stdin: Data? = nil) throws -> RawResult {
        try e.toolboxRun(s, options, args, stdin: stdin)
    }

    /// A program on the host (XCTestCase has its own `run`).
    @discardableResult
    func host(_ executable: String, _ args: [String]) throws -> RunResult {
        try runProcess(executable, args)
    }

    /// Asserts exit 0 and empty stderr; returns stdout.
    @discardableResult
    func ok(_ r: RawResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(r.code, 0, "\(what): exit \(r.code), stderr: \(r.err)", file: file, line: line)
        XCTAssertEqual(r.err, "", "\(what): stderr", file: file, line: line)
        return r.outString
    }
}

extension E2E {
    /// Options that put a debug container into the app's PID and network
    /// namespaces, like `kubectl debug --target`, plus a decoy
    /// /etc/ssl/certs/ca.pem in the debug container's own root (so an
    /// absolute symlink resolved against the wrong root shows the decoy).
    func joinApp(_ s: Scenario) throws -> [String] {
        let decoy = work.appendingPathComponent("\(s.name)-decoy-certs")
        try FileManager.default.createDirectory(at: decoy, withIntermediateDirectories: true)
        try AppFiles.decoyCaPEM.write(to: decoy.appendingPathComponent("ca.pem"))
        let app = s["app"]
        return ["--pid", "container:\(app)", "--network", "container:\(app)", "-v", "\(decoy.path):/etc/ssl/certs:ro"]
    }
}

extension E2ETestCase {
    /// GNU ls -ln of a directory of the app, read by the host through the
    /// app's host PID (root on the host may), in UTC like the container.
    func hostLs(_ flags: String, _ pathInApp: String) throws -> RunResult {
        try runProcess("/usr/bin/env", ["TZ=UTC", "LC_ALL=C", "ls", flags, "/proc/\(s["appPid"])/root\(pathInApp)"])
    }

    /// net-tools netstat run by the host inside the app's network namespace.
    func hostNetstat(_ flags: String) throws -> RunResult {
        try runProcess("nsenter", ["-t", s["appPid"], "-n", "netstat", flags])
    }

    /// The `ps -ef` row of a PID (fields), or nil.
    func psRow(_ out: String, pid: String) -> [String]? {
        lines(out).dropFirst().map(fields).first { $0.count > 1 && $0[1] == pid }
    }
}

/// Whitespace-separated fields of a line.
func fields(_ line: String) -> [String] {
    line.split(whereSeparator: { (c: Character) in c == " " || c == "\t" }).map(String.init)
}

/// Lines of a text, without the final empty one.
func lines(_ text: String) -> [String] {
    var l = text.components(separatedBy: "\n")
    if l.last == "" { l.removeLast() }
    return l
}
