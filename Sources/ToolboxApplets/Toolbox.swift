import ToolboxCore

/// The multicall entry point: the applet comes from basename(argv[0])
/// (`ps -> toolbox` symlinks), otherwise from the first argument.
public enum Toolbox {
    public static let version = "0.1.0"

    static let boxSpec = AppletSpec(
        name: "toolbox",
        summary: "One static binary for looking inside distroless containers: processes, sockets, capabilities and files, read straight from /proc.",
        usage: ["APPLET [ARGS...]", "--list", "--help", "--install DIR", "--version"],
        details: "Run an applet as `toolbox APPLET ...`, or through a symlink named after it (see --install).\nExit codes: 0 ok, 1 runtime or partial failure, 2 usage error, 127 unknown applet.",
        options: [
            .flag(nil, "list", "print the applets, one per line"),
            .value(nil, "install", "DIR", "create a symlink DIR/APPLET -> this binary for every applet"),
            .flag(nil, "version", "print the version"),
        ])

    /// Runs with the real stdout/stderr and returns the process exit code.
    public static func main(_ argv: [String]) -> Int32 {
        OutputWriter.ignoreSigpipe()   // EPIPE is handled (silently) by OutputWriter
        let out = OutputWriter.standardOutput()
        let err = OutputWriter.standardError()
        var code = dispatch(argv, out: out, err: err)
        out.flush()
        if let f = out.failure {
            // `APPLET: write error: ...` (e.g. stdout on a full disk).
            let name = argv.first.map(baseName).flatMap { applet(named: $0)?.name }
                ?? argv.dropFirst().first.flatMap { applet(named: $0)?.name } ?? "toolbox"
            err.write("\(name): write error: \(f.message)\n")
            code = ExitCode.failure
        }
        err.flush()
        return code
    }

    /// Dispatch with injected writers and /proc (used by tests in-process).
    public static func dispatch(_ argv: [String], out: OutputWriter, err: OutputWriter,
                                procfs: ProcFS = ProcFS(), hostRoot: String = "") -> Int32 {
        let invokedAs = argv.first.map(baseName) ?? "toolbox"
        // appletIndex, not applet(named:): see there.
        if let i = appletIndex(named: invokedAs) {
            return run(applet(at: i), Array(argv.dropFirst()), out: out, err: err, procfs: procfs, hostRoot: hostRoot)
        }
        let args = Array(argv.dropFirst())
        guard let first = args.first else {
            out.write(helpText); return ExitCode.success
        }
        switch first {
        case "--help", "-h", "help":
            if args.count > 1, let a = applet(named: args[1]) { out.write(a.spec.helpText) }
            else { out.write(helpText) }
            return ExitCode.success
        case "--list":
            for a in applets { out.line(a.name) }
            return ExitCode.success
        case "--version":
            out.line("toolbox \(version)")
            return ExitCode.success
        case "--install":
            return install(args, out: out, err: err)
        default:
            if let i = appletIndex(named: first) {
                return run(applet(at: i), Array(args.dropFirst()), out: out, err: err, procfs: procfs, hostRoot: hostRoot)
            }
            if first.hasPrefix("-") {
                err.write("toolbox: unrecognized option '\(first)'\nTry 'toolbox --help' for more information.\n")
                return ExitCode.usage
            }
            err.write("toolbox: unknown applet '\(first)'\n")
            return ExitCode.unknownApplet
        }
    }

    /// Runs one applet: `--help` anywhere before `--` prints its usage;
    /// a thrown ToolError/Errno becomes `applet: message` and its exit code.
    public static func run(_ a: Applet, _ args: [String], out: OutputWriter, err: OutputWriter,
                           procfs: ProcFS = ProcFS(), hostRoot: String = "") -> Int32 {
        // echo, printf, test, [, true, false and sh take their arguments as
        // given: only a lone --help asks for help (never for test), as GNU.
        if rawArgumentApplets.contains(a.name) {
            if args.count == 1 && args[0] == "--help" && a.name != "test" { out.write(a.spec.helpText); return ExitCode.success }
        } else {
            for arg in args {
                if arg == "--" { break }
                if arg == "--help" { out.write(a.spec.helpText); return ExitCode.success }
            }
        }
        let ctx = Context(applet: a.name, out: out, err: err, procfs: procfs, hostRoot: hostRoot)
        do {
            let code = try a.run(ctx, args)
            return max(code, ctx.exitStatus)
        } catch let e as ToolError {
            err.write("\(a.name): \(e.message)\n")
            return e.exitCode
        } catch let e as Errno {
            err.write("\(a.name): \(e.message)\n")
            return ExitCode.failure
        } catch {
            err.write("\(a.name): \(error)\n")
            return ExitCode.failure
        }
    }

    static let rawArgumentApplets: [String] = ["[", "echo", "false", "printf", "sh", "test", "true"]

    static var helpText: String {
        var s = boxSpec.helpText
        s += "\nApplets:\n"
        let width = applets.map { $0.name.count }.max() ?? 0
        for a in applets {
            s += "  " + a.name + String(repeating: " ", count: width - a.name.count + 2) + a.spec.summary + "\n"
        }
        return s
    }

    static func install(_ args: [String], out: OutputWriter, err: OutputWriter) -> Int32 {
        guard args.count == 2 else {
            err.write("toolbox: --install needs exactly one directory\nTry 'toolbox --help' for more information.\n")
            return ExitCode.usage
        }
        let dir = args[1]
        let target: String
        do { target = try readLink("/proc/self/exe") } catch {
            err.write("toolbox: --install: cannot find this binary (/proc/self/exe): \(error.message)\n")
            return ExitCode.failure
        }
        var code = ExitCode.success
        // every applet, and `toolbox` itself (so it is on PATH too)
        for name in applets.map(\.name) + ["toolbox"] {
            let link = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            if let existing = try? readLink(link) {
                if existing == target { continue }
                err.write("toolbox: --install: \(link): exists (-> \(existing)), left alone\n")
                code = ExitCode.failure
                continue
            }
            if symlink(target, link) != 0 {
                err.write("toolbox: --install: \(link): \(Errno.current.message)\n")
                code = ExitCode.failure
            }
        }
        return code
    }
}

/// The last path component ("/bin/ps" -> "ps", "/a/b/" -> "b", "/" -> "/").
/// Works on the UTF-8 bytes, like basename(1): Character-based slicing pulls
/// the grapheme-breaking code into every start-up (page faults).
public func baseName(_ path: String) -> String {
    let u = path.utf8
    let slash = UInt8(ascii: "/")
    var end = u.endIndex
    while u.distance(from: u.startIndex, to: end) > 1 && u[u.index(before: end)] == slash {
        end = u.index(before: end)
    }
    var start = end
    while start > u.startIndex && u[u.index(before: start)] != slash { start = u.index(before: start) }
    if start == end && start > u.startIndex { start = u.index(before: end) }   // "/" (or "//")
    return String(path[start..<end])
}
