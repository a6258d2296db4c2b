import ToolboxCore

// Compressed archives for tar. gzip is built in (ToolboxFormats Inflate and
// Deflate) and runs on a second thread joined to tar by a pipe, so
// (de)compression and the archive walk overlap. bzip2, xz and zstd input is
// recognised by its magic number and run through the external program when
// it is on PATH, as GNU tar does.

/// `tar -cz`: tar writes the archive into `writeFD`; a thread compresses
/// what arrives there into `dest`.
final class TarGzipWriter: @unchecked Sendable {
    let writeFD: FileDescriptor
    private let readFD: FileDescriptor
    private var thread: BackgroundThread?
    private var failure: Errno?

    init(dest: FileDescriptor, level: Int) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ToolError.failure("pipe", Errno.current) }
        readFD = FileDescriptor(rawValue: fds[0]); writeFD = FileDescriptor(rawValue: fds[1])
        let r = readFD
        thread = BackgroundThread { [self] in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
            defer { buffer.deallocate(); r.close() }
            let z = GzipDeflater(level: level) { chunk in
                do throws(Errno) { try dest.writeAll(chunk) } catch { self.failure = error; throw error }
            }
            do {
                while true {
                    let n = try r.read(into: buffer)
                    if n == 0 { break }
                    try z.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
                try z.finish()
            } catch {}
        }
    }

    /// Closes the pipe, waits for the compressor; a write error of the
    /// compressed archive is thrown.
    func finish() throws {
        writeFD.close()
        thread?.join(); thread = nil
        if let f = failure, f.rawValue != EPIPE { throw ToolError.failure("write error: \(f.description)") }
    }
}

/// `tar -t`/`-x` input: the archive as is, or the read end of a pipe that a
/// decompressor (built-in gzip, or an external program) fills.
final class TarInput: @unchecked Sendable {
    /// What TarReader reads, and the bytes already read from it.
    private(set) var fd: FileDescriptor
    private(set) var prefix: [UInt8] = []
    private var thread: BackgroundThread?
    private var feeder: BackgroundThread?
    private var child: pid_t = 0
    private var program = ""
    /// The decompressor's complaint, in GNU's words (gzip's line).
    private var gzipError: GzipError?
    private var readError: Errno?

    /// Recognises the compression by magic number (`gzip` forces gzip,
    /// `program` (-j, -J, --zstd) that program).
    init(archive: FileDescriptor, gzip: Bool, program forced: String? = nil) throws {
        fd = archive
        var head = [UInt8](repeating: 0, count: 6)
        var have = 0
        while have < head.count {
            let n = try head.withUnsafeMutableBytes { b throws(Errno) in
                try archive.read(into: UnsafeMutableRawBufferPointer(rebasing: b[have...]))
            }
            if n == 0 { break }
            have += n
        }
        head.removeLast(head.count - have)
        func starts(_ m: [UInt8]) -> Bool { head.count >= m.count && Array(head[0..<m.count]) == m }
        if let forced {
            try startProgram(forced, archive, head)
        } else if gzip || starts([0x1F, 0x8B]) {
            startGzip(archive, head)
        } else if starts([0x42, 0x5A, 0x68]) {
            try startProgram("bzip2", archive, head)
        } else if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            try startProgram("xz", archive, head)
        } else if starts([0x28, 0xB5, 0x2F, 0xFD]) {
            try startProgram("zstd", archive, head)
        } else {
            prefix = head
        }
    }

    static func makePipe() throws -> (FileDescriptor, FileDescriptor) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ToolError.failure("pipe", Errno.current) }
        for f in fds { _ = fcntl(f, F_SETFD, FD_CLOEXEC) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    private func startGzip(_ archive: FileDescriptor, _ head: [UInt8]) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        for f in fds { _ = fcntl(f, F_SETFD, FD_CLOEXEC) }
        let r = FileDescriptor(rawValue: fds[0]), w = FileDescriptor(rawValue: fds[1])
        fd = r
        thread = BackgroundThread { [self] in
            defer { w.close() }
            var pending = head[...]
            let z = GzipInflater { buf in
                if !pending.isEmpty {
                    let n = min(buf.count, pending.count)
                    for i in 0..<n { buf[i] = pending[pending.startIndex + i] }
                    pending = pending.dropFirst(n)
                    return n
                }
                do throws(Errno) { return try archive.read(into: buf) } catch { self.readError = error; throw error }
            }
            do {
                try z.run { chunk in try w.writeAll(chunk) }
            } catch let e as GzipError {
                gzipError = e
            } catch {}
        }
    }

    /// The program's path on PATH, or nil.
    static func find(_ program: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private func startProgram(_ name: String, _ archive: FileDescriptor, _ head: [UInt8]) throws {
        program = name
        guard let exe = Self.find(name) else {
            throw ToolError(exitCode: 2, message: "\(name): Cannot exec: No such file or directory\ntar: Error is not recoverable: exiting now")
        }
        let (inR, inW) = try Self.makePipe()
        let (outR, outW) = try Self.makePipe()
        let rc = tarSpawnFilter(exe, "-dc", stdin: inR, stdout: outW, pid: &child)
        inR.close(); outW.close()
        if rc != 0 {
            inW.close(); outR.close()
            throw ToolError(exitCode: 2, message: "\(name): Cannot exec: \(Errno(rc).description)\ntar: Error is not recoverable: exiting now")
        }
        fd = outR
        // Feed the bytes already read, then the rest of the archive.
        feeder = BackgroundThread {
            defer { inW.close() }
            do throws(Errno) {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
                defer { buffer.deallocate() }
                for (i, b) in head.enumerated() { buffer[i] = b }
                try inW.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<head.count]))
                while true {
                    let n = try archive.read(into: buffer)
                    if n == 0 { break }
                    try inW.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            } catch {}
        }
    }

    /// Stops the decompressor (tar may stop reading early) and waits for it,
    /// the child within a deadline (then SIGKILL). Returns GNU tar's report
    /// of a failed decompressor, or nil.
    func finish() -> [String]? {
        if thread == nil && feeder == nil && child == 0 { return nil }
        fd.close()   // a writer still going gets EPIPE
        thread?.join(); thread = nil
        var status: Int32 = 0
        if child > 0 {
            var waited = 0
            while waitpid(child, &status, WNOHANG) == 0 {
                if waited >= 5000 { kill(child, SIGKILL); _ = waitpid(child, &status, 0); break }
                usleep(10_000); waited += 10
            }
            child = 0
        }
        feeder?.join(); feeder = nil
        if let e = gzipError { return ["gzip: stdin: \(e.message)", "tar: Child returned status 1"] }
        if program != "" && status != 0 {
            let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            if code != 141 { return ["tar: Child returned status \(code)"] }
        }
        return nil
    }
}

/// `tar -cj`, `-cJ`, `--zstd -c`: tar writes into a pipe read by the
/// external compressor, whose output is the archive (GNU tar does the same).
final class TarProgramWriter {
    let writeFD: FileDescriptor
    private var child: pid_t = 0
    let name: String

    init(program: String, dest: FileDescriptor) throws {
        name = program
        guard let exe = TarInput.find(program) else {
            throw ToolError(exitCode: 2, message: "\(program): Cannot exec: No such file or directory\ntar: Error is not recoverable: exiting now")
        }
        let (r, w) = try TarInput.makePipe()
        let rc = tarSpawnFilter(exe, "-c", stdin: r, stdout: dest, pid: &child)
        r.close()
        if rc != 0 {
            w.close()
            throw ToolError(exitCode: 2, message: "\(program): Cannot exec: \(Errno(rc).description)\ntar: Error is not recoverable: exiting now")
        }
        writeFD = w
    }

    /// Closes the pipe and waits for the compressor (bounded: 60 s after
    /// the end of input, then SIGKILL); its failure is GNU's report.
    func finish() throws {
        writeFD.close()
        var status: Int32 = 0
        var waited = 0
        while waitpid(child, &status, WNOHANG) == 0 {
            if waited >= 60_000 { kill(child, SIGKILL); _ = waitpid(child, &status, 0); break }
            usleep(5_000); waited += 5
        }
        if status != 0 {
            let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            throw ToolError(exitCode: 2, message: "Child returned status \(code)\ntar: Error is not recoverable: exiting now")
        }
    }
}

/// Starts `exe option` with the given stdin and stdout (posix_spawn);
/// 0 or the error number.
private func tarSpawnFilter(_ exe: String, _ option: String, stdin: FileDescriptor, stdout: FileDescriptor, pid: inout pid_t) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin.rawValue, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout.rawValue, 1)
    var cargs: [UnsafeMutablePointer<CChar>?] = [strdup(exe), strdup(option), nil]
    defer { for p in cargs { free(p) } }
    return posix_spawn(&pid, exe, &actions, nil, &cargs, environ)
}
