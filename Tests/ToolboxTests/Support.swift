import Foundation
import ToolboxApplets
import ToolboxCore
import XCTest

/// The package root (tests locate fixtures and the built binary from it).
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Tests/Fixtures/<relative>.
func fixturePath(_ relative: String) -> String {
    packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
}

func fixtureBytes(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: fixturePath(relative))))
}

struct RunResult: Equatable {
    var out: String
    var err: String
    var code: Int32
}

/// Runs the multicall dispatcher in-process with captured output.
/// `procRoot` points ProcFS at a fixture tree; `hostRoot` prefixes /etc.
func runToolbox(_ argv: [String], procRoot: String = "/proc", hostRoot: String = "") -> RunResult {
    let out = OutputWriter.memory(), err = OutputWriter.memory()
    let code = Toolbox.dispatch(argv, out: out, err: err, procfs: ProcFS(root: procRoot), hostRoot: hostRoot)
    out.flush(); err.flush()
    return RunResult(out: out.capturedString, err: err.capturedString, code: code)
}

/// The release binary that scripts/test builds before `swift test`
/// (TOOLBOX_BIN overrides). Tests that need it fail, never skip, without it.
func toolboxBinary(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let path = ProcessInfo.processInfo.environment["TOOLBOX_BIN"]
        ?? packageRoot.appendingPathComponent(".build/release/toolbox").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        XCTFail("no toolbox binary at \(path): run scripts/test (it builds with swift build -c release first)", file: file, line: line)
        throw CocoaError(.fileNoSuchFile)
    }
    return path
}

/// Runs a program and captures stdout, stderr and the exit status.
@discardableResult
func runProcess(_ executable: String, _ args: [String], stdin: Data? = nil, environment: [String: String]? = nil,
         currentDirectory: String? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
    p.arguments = args
    if let environment { p.environment = environment }
    if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let o = Pipe(), e = Pipe(), i = Pipe()
    p.standardOutput = o; p.standardError = e; p.standardInput = i
    try p.run()
    // Write stdin and read both pipes concurrently: a child that answers
    // while it reads (json.tool on ps --json of 5,000 processes) blocks on a
    // full stdout while the test blocks writing its stdin.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    let inHandle = i.fileHandleForWriting
    if let stdin {
        group.enter()
        // A child that exits before reading it all: EPIPE, not a crash.
        signal(SIGPIPE, SIG_IGN)
        DispatchQueue.global().async { try? inHandle.write(contentsOf: stdin); try? inHandle.close(); group.leave() }
    } else {
        try? inHandle.close()
    }
    group.enter()
    let errHandle = e.fileHandleForReading
    DispatchQueue.global().async { errBox.data = errHandle.readDataToEndOfFile(); group.leave() }
    let outData = o.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return RunResult(out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self),
                     code: p.terminationStatus)
}

/// Runs a shell command line.
@discardableResult
func sh(_ command: String) throws -> RunResult { try runProcess("/bin/sh", ["-c", command]) }

/// The absolute path of a program on PATH.
func which(_ name: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    XCTFail("\(name) is not installed (.ci/run installs the test dependencies)")
    throw CocoaError(.fileNoSuchFile)
}

/// A target "container" for the live tests: `busybox sleep 600` as uid 1000
/// in its own mount and pid namespaces (procfs mounted at ROOTFS/proc),
/// chrooted into `rootfs` (which holds /bin/busybox), working directory
/// `workdir`; with `rootIsMount` its root is a mount of that namespace, as a
/// container's is. Returns unshare's process (wait for it after killing the
/// target) and the target's pid.
func startContainerTarget(rootfs r: String, workdir: String, rootIsMount: Bool = false) throws -> (Process, Int32) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try which("unshare"))
    p.arguments = ["--mount", "--pid", "--fork", "--propagation", "private", "sh", "-c",
                   (rootIsMount ? "mount --bind \(r) \(r) && " : "")
                   + "mount -t proc proc \(r)/proc && exec chroot --userspec=1000:1000 \(r) /bin/busybox sh -c 'cd \(workdir) && exec /bin/busybox sleep 600'"]
    p.standardError = FileHandle.nullDevice   // "sigprocmask unblock failed" when its child is killed
    try p.run()
    // The target is unshare's child once it runs busybox as uid 1000.
    for _ in 0..<100 {
        if let children = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/task/\(p.processIdentifier)/children", encoding: .utf8),
           let child = children.split(separator: " ").first.flatMap({ Int32($0) }),
           let status = try? String(contentsOfFile: "/proc/\(child)/status", encoding: .utf8),
           status.contains("\nUid:\t1000\t"),
           (try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8))?.contains("sleep") ?? false,
           (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/exe"))?.hasSuffix("busybox") ?? false {
            return (p, child)
        }
        usleep(50_000)
    }
    p.terminate()
    throw CocoaError(.fileReadUnknown)
}
