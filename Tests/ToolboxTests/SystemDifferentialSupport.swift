import Foundation
import XCTest

/// Runs the Debian `tool` and `toolbox APPLET` with the same arguments
/// (LC_ALL=C) and returns both results. In stderr, the real tool's full
/// path becomes its name and toolbox's `'toolbox NAME --help'` hint
/// becomes `'NAME --help'`, so the wording can be compared.
func runBoth(_ tool: String, _ args: [String], applet: String? = nil, environment extra: [String: String] = [:],
             currentDirectory: String? = nil) throws -> (real: RunResult, ours: RunResult) {
    var env = ProcessInfo.processInfo.environment
    env["LC_ALL"] = "C"
    for (k, v) in extra { env[k] = v }
    let path = tool.hasPrefix("/") ? tool : try which(tool)
    var real = try runProcess(path, args, environment: env, currentDirectory: currentDirectory)
    let name = (path as NSString).lastPathComponent
    real.err = real.err.replacingOccurrences(of: path + ":", with: name + ":")
        .replacingOccurrences(of: "'" + path + " ", with: "'" + name + " ")
    var ours = try runProcess(try toolboxBinary(), [applet ?? (path as NSString).lastPathComponent] + args,
                              environment: env, currentDirectory: currentDirectory)
    ours.err = ours.err.replacingOccurrences(of: "'toolbox ", with: "'").replacingOccurrences(of: "`toolbox ", with: "`")
    return (real, ours)
}

/// Asserts byte-identical stdout, stderr and exit status.
func assertSameAsReal(_ tool: String, _ args: [String], applet: String? = nil, environment: [String: String] = [:],
                      currentDirectory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
    let (real, ours) = try runBoth(tool, args, applet: applet, environment: environment, currentDirectory: currentDirectory)
    let label = "\(tool) \(args.joined(separator: " "))"
    XCTAssertEqual(ours.out, real.out, "stdout of \(label)", file: file, line: line)
    XCTAssertEqual(ours.err, real.err, "stderr of \(label)", file: file, line: line)
    XCTAssertEqual(ours.code, real.code, "exit status of \(label)", file: file, line: line)
}

/// A fresh directory under /tmp, removed by the caller.
func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
