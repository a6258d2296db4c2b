import Foundation
import XCTest

/// Runs a real GNU tool and `toolbox TOOL` with the same arguments, input
/// and working directory (LC_ALL=C), and asserts byte-identical stdout,
/// the same stderr (GNU's `Try 'TOOL --help'` is `Try 'toolbox TOOL --help'`
/// in toolbox) and the same exit status.
struct TextRun: Equatable {
    var out: Data
    var err: String
    var code: Int32
}

func runBytes(_ exe: String, _ args: [String], stdin: Data?, cwd: String, env: [String: String] = [:]) throws -> TextRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment["LC_ALL"] = "C"
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let o = Pipe(), e = Pipe()
    p.standardOutput = o; p.standardError = e
    if let stdin {
        let tmp = cwd + "/.stdin-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: tmp, contents: stdin)
        p.standardInput = FileHandle(forReadingAtPath: tmp)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        return try collect(p, o, e)
    }
    p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    return try collect(p, o, e)
}

private func collect(_ p: Process, _ o: Pipe, _ e: Pipe) throws -> TextRun {
    try p.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    let eh = e.fileHandleForReading
    DispatchQueue.global().async { errBox.data = eh.readDataToEndOfFile(); group.leave() }
    let out = o.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return TextRun(out: out, err: String(decoding: errBox.data, as: UTF8.self), code: p.terminationStatus)
}

/// A scratch directory with the awkward inputs every text test uses.
final class TextFixture {
    let dir: String
    private let owns: Bool
    var keepAlive: AnyObject?
    init(borrowing dir: String) { self.dir = dir; owns = false }
    init() throws {
        owns = true
        dir = NSTemporaryDirectory() + "toolbox-text-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes))
        }
        write("log", Array("""
        2024-01-01 INFO start
        2024-01-01 error: disk full
        2024-01-02 warn: slow
        2024-01-02 INFO stop word
        ERROR upper case
        errors plural
        the word is a word
        wordy

        last line
        """.utf8) + [0x0A])
        write("nonl", Array("alpha\nbeta\ngamma".utf8))
        write("crlf", Array("one\r\ntwo word\r\n\r\nthree\r\n".utf8))
        write("nul", Array("text word\n".utf8) + [0, 1, 2] + Array("\nword again\n".utf8))
        write("empty", [])
        var long = [UInt8](repeating: 0x61, count: 300_000)
        long += Array(" word ".utf8) + [UInt8](repeating: 0x62, count: 300_000) + [0x0A] + Array("short\n".utf8)
        write("long", long)
        write("nums", Array("10\n9\n-3\n2.5\n1K\n2M\n0\n-0\n  7\nabc\n1e3\n003\n.5\n-.5\n1.10\n1.9\nv1.2.10\nv1.2.9\n\n".utf8))
        write("fields", Array("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nno colon here\nuser:x:1000:1000:User,,,:/home/user:/bin/sh\n".utf8))
        write("dups", Array("a\na\nA\nb x\nc x\nc x\n\n\nd".utf8))
        try FileManager.default.createDirectory(atPath: dir + "/tree/sub/deeper", withIntermediateDirectories: true)
        write("tree/a.txt", Array("word one\nnothing\n".utf8))
        write("tree/b.log", Array("word two\n".utf8))
        write("tree/sub/c.txt", Array("none\n".utf8))
        write("tree/sub/deeper/d.txt", Array("word deep\n".utf8))
    }
    deinit { if owns { try? FileManager.default.removeItem(atPath: dir) } }
}

extension XCTestCase {
    /// Asserts `toolbox TOOL ARGS` behaves as the real TOOL (found on PATH).
    func assertSameAsGNU(_ tool: String, _ args: [String], stdin: [UInt8]? = nil, in fixture: TextFixture,
                         realTool: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let toolbox = try toolboxBinary(file: file, line: line)
            let real = try which(realTool ?? tool)
            let input = stdin.map { Data($0) }
            let want = try runBytes(real, args, stdin: input, cwd: fixture.dir)
            let got = try runBytes(toolbox, [tool] + args, stdin: input, cwd: fixture.dir)
            let label = "\(tool) \(args.joined(separator: " "))"
            XCTAssertEqual(got.out, want.out, "stdout of \(label):\n--- toolbox\n\(String(decoding: got.out, as: UTF8.self))\n--- GNU\n\(String(decoding: want.out, as: UTF8.self))", file: file, line: line)
            let wantErr = want.err.replacingOccurrences(of: real + ":", with: tool + ":")
                .replacingOccurrences(of: "Try '\(real) --help'", with: "Try 'toolbox \(tool) --help'")
                .replacingOccurrences(of: "Usage: \(real) ", with: "Usage: \(tool) ")
            XCTAssertEqual(got.err, wantErr, "stderr of \(label)", file: file, line: line)
            if got.err != wantErr { print("GOT:\n\(got.err)WANT:\n\(wantErr)") }
            XCTAssertEqual(got.code, want.code, "exit status of \(label)", file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }
}
