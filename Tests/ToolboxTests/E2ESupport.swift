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

/// Runs a program with stdin written concurrently (no pipe deadlock with
/// large streams both ways) and stdout kept as bytes.
func runRaw(_ executable: String, _ args: [String], stdin: Data? = nil,
            environment: [String: String]? = nil) throws -> RawResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
    p.arguments = args
    if let environment { p.environment = environment }
    let o = Pipe(), e = Pipe()
    p.standardOutput = o; p.standardError = e
    let i: Pipe? = stdin == nil ? nil : Pipe()
    p.standardInput = i ?? FileHandle.nullDevice
    try p.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    let errHandle = e.fileHandleForReading
    DispatchQueue.global().async { errBox.data = errHandle.readDataToEndOfFile(); group.leave() }
    if let i, let stdin {
        group.enter()
        let w = i.fileHandleForWriting
        DispatchQueue.global().async {
            // A child that exits early closes the pipe: ignore EPIPE here.
            signal(SIGPIPE, SIG_IGN)
            try? w.write(contentsOf: stdin)
            try? w.close()
            group.leave()
        }
    }
    let outData = o.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return RawResult(out: outData, err: String(decoding: errBox.data, as: UTF8.self), code: p.terminationStatus)
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
        E2E.sweepLeftovers(podman)
        do {
            try buildAppImage()
            try buildToolboxImage()
        } catch {
            removeImages()
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
        let ctrs = ((try? podman.lines(["ps", "-a", "--format", "{{.Names}}"])) ?? []).filter(stale)
        if !ctrs.isEmpty { _ = try? podman(["rm", "-f", "-t", "0"] + ctrs) }
        let pods = ((try? podman.lines(["pod", "ps", "--format", "{{.Name}}"])) ?? []).filter(stale)
        if !pods.isEmpty { _ = try? podman(["pod", "rm", "-f", "-t", "0"] + pods) }
        let images = ((try? podman.lines(["images", "--format", "{{.Repository}}:{{.Tag}}"])) ?? []).filter(stale)
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
        try podman.must(["build", "-q", "--layers=false", "-f", ctx + "/Containerfile", "-t", appImage, ctx])
    }

    /// The real Dockerfile.toolbox, offline: BINARY_FROM=prebuilt with the
    /// release binary copied into a small context.
    private func buildToolboxImage() throws {
        let ctx = work.appendingPathComponent("toolbox-context").path
        try FileManager.default.createDirectory(atPath: ctx, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: toolbox, toPath: ctx + "/toolbox")
        try podman.must(["build", "-q", "--layers=false", "-f", packageRoot.appendingPathComponent("Dockerfile.toolbox").path,
                         "--build-arg", "BINARY_FROM=prebuilt", "--build-arg", "PREBUILT=toolbox",
                         "-t", toolboxImage, ctx])
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
        s.containers = []; s.pods = []
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
    func startApp(_ s: Scenario, pod: String? = nil) throws -> String {
        let n = name(s, "app")
        try podman.must(["run", "-d", "--name", n] + (pod.map { ["--pod", $0] } ?? []) + [appImage])
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
        _ = try? podman(["rmi", "-f", appImage, toolboxImage])
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
        try ToolboxTests.run(executable, args)
    }

    /// Asserts exit 0 and empty stderr; returns stdout.
    @discardableResult
    func ok(_ r: RawResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(r.code, 0, "\(what): exit \(r.code), stderr: \(r.err)", file: file, line: line)
        XCTAssertEqual(r.err, "", "\(what): stderr", file: file, line: line)
        return r.outString
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
