// Fuzz targets: one file per parser, each feeding its input through the
// code the applets run. No Foundation here: this folder is compiled both
// into the test target (FuzzReplayTests replays every saved reproducer and
// every seed in-process) and, by scripts/fuzz, into the libFuzzer binary
// (with Fuzz/Main.swift). See docs/reliability.md, "Adding a target".
import ToolboxCore
@testable import ToolboxApplets

/// One fuzz target: a name (the folder under Tests/Fixtures/fuzz/ and the
/// dictionary Fuzz/dict/NAME.dict), its seed corpus and its entry point.
struct FuzzTarget: Sendable {
    let name: String
    /// Seed files or folders, relative to Tests/Fixtures; Tests/Fixtures/fuzz/NAME/
    /// (hand-made seeds `seed-*` and every reproducer found) is always added.
    let seeds: [String]
    /// Runs one input. Returns a short description of the result (the
    /// parsed value or the applet's exit code) that depends only on the
    /// input: the replay test runs each input twice and compares.
    let run: @Sendable (Bytes) -> String
}

/// The bytes of `data` split at NUL bytes, as the kernel would split a
/// command line (empty pieces are kept: `""` is a valid argument), at most
/// `limit` of them (execve's 2 MiB allows about 200,000 one-letter arguments).
func fuzzArguments(_ data: Bytes, limit: Int = 1 << 18) -> [String] {
    var args: [String] = []
    if data.isEmpty { return args }
    var start = 0
    for i in 0...data.count where i == data.count || data[i] == 0 {
        if i == data.count && start == i && !args.isEmpty { break }
        args.append(Bytes(rebasing: data[start..<i]).string)
        start = i + 1
        if args.count >= limit { break }
    }
    return args
}

/// Runs the multicall dispatcher in-process (as the tests' runToolbox does)
/// and returns `exit=N` plus the stderr lines, which must not depend on time.
func fuzzDispatch(_ argv: [String], procRoot: String = "/proc", hostRoot: String = "", keepStderr: Bool = true) -> String {
    let out = OutputWriter.memory(), err = OutputWriter.memory()
    let code = Toolbox.dispatch(argv, out: out, err: err, procfs: ProcFS(root: procRoot), hostRoot: hostRoot)
    out.flush(); err.flush()
    precondition(code == 0 || code == 1 || code == 2, "\(argv.first ?? "?"): exit status \(code)")
    // The scratch root differs per process: name it, so results recorded
    // for reproducers compare across runs.
    return keepStderr ? "exit=\(code) \(err.capturedString.replacing(FuzzScratch.root, with: "$SCRATCH"))" : "exit=\(code)"
}

/// A scratch tree for targets that run an applet over files: a fake /proc
/// (and /etc) under /dev/shm (or $TMPDIR), one per process, removed at exit.
enum FuzzScratch {
    nonisolated(unsafe) private static var created: [String] = []
    nonisolated(unsafe) private static var rootPath: String?

    /// The scratch root, created on first use.
    static var root: String {
        if let r = rootPath { return r }
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        let r = "\(base)/toolbox-fuzz-\(getpid())"
        _ = mkdir(r, 0o700)
        rootPath = r
        created.append(r)
        atexit { FuzzScratch.removeAll() }
        return r
    }

    /// Creates `relative` (and its parents) as directories under the root.
    @discardableResult
    static func directory(_ relative: String) -> String {
        var path = root
        for part in relative.split(separator: "/") {
            path += "/\(part)"
            if mkdir(path, 0o755) == 0 { created.append(path) }
        }
        return path
    }

    /// Replaces the file `relative` with `bytes`.
    static func write(_ relative: String, _ bytes: Bytes) {
        let path = "\(root)/\(relative)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "fuzz scratch: cannot create \(path)")
        if !created.contains(path) { created.append(path) }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            precondition(n > 0, "fuzz scratch: write \(path)")
            off += n
        }
        close(fd)
    }

    static func write(_ relative: String, _ text: String) {
        var t = text
        t.withUTF8 { write(relative, $0) }
    }

    static func symlink(_ target: String, _ relative: String) {
        let path = "\(root)/\(relative)"
        if Glibc.symlink(target, path) == 0 { created.append(path) }
    }

    static func removeAll() {
        for p in created.reversed() { if unlink(p) != 0 { rmdir(p) } }
        created.removeAll()
    }
}
