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
    if let stdin { i.fileHandleForWriting.write(stdin) }
    try? i.fileHandleForWriting.close()
    // Read both pipes concurrently so a full pipe never blocks the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
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
