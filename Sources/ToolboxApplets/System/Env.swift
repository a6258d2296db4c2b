import ToolboxCore

let envApplet = Applet(spec: AppletSpec(
    name: "env",
    summary: "Set each NAME to VALUE in the environment and run COMMAND, or print the environment (GNU env)",
    usage: ["[OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]"],
    details: """
    A mere - implies -i. Options end at the first NAME=VALUE or COMMAND. COMMAND
    is looked up in the PATH of the new environment (execvp(3)); exit 127 when it
    is not found, 126 when it cannot be run, 125 when env itself fails.
    """,
    options: [
        .flag("i", "ignore-environment", "start with an empty environment"),
        .flag("0", "null", "end each output line with NUL, not newline"),
        .value("u", "unset", "NAME", "remove variable from the environment"),
        .value("C", "chdir", "DIR", "change working directory to DIR"),
    ]), run: runEnv)

/// GNU env's exit codes.
enum EnvExit {
    static let failed: Int32 = 125, cannotRun: Int32 = 126, notFound: Int32 = 127
}

@Sendable
func runEnv(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = envApplet.spec
    let (optionArgs, rest) = spec.splitAtFirstOperand(args)
    let p = try spec.parse(optionArgs, usageExit: EnvExit.failed)
    var operands = rest[...]
    var clear = p.has("ignore-environment")
    if operands.first == "-" { clear = true; operands = operands.dropFirst() }
    var env: [String] = []
    if !clear {
        var e = environ
        while let s = e.pointee { env.append(String(cString: s)); e += 1 }
    }
    func unset(_ name: String) {
        env.removeAll { $0.utf8.count > name.utf8.count && $0.hasPrefix(name) && $0.utf8[$0.utf8.index($0.utf8.startIndex, offsetBy: name.utf8.count)] == 0x3D }
    }
    for name in p.values("unset") { unset(name) }
    while let a = operands.first, let eq = a.utf8.firstIndex(of: 0x3D), eq != a.utf8.startIndex {
        unset(String(a[..<eq]))
        env.append(a)
        operands = operands.dropFirst()
    }
    let dir = p.value("chdir")
    if operands.isEmpty {
        if dir != nil { throw spec.usageError("must specify command with --chdir (-C)", exit: EnvExit.failed) }
        let end: UInt8 = p.has("null") ? 0 : ASCII.newline
        for v in env { ctx.out.write(v); ctx.out.byte(end) }
        return ExitCode.success
    }
    if p.has("null") { throw spec.usageError("cannot specify --null (-0) with command", exit: EnvExit.failed) }
    if let dir, chdir(dir) != 0 {
        throw ToolError(exitCode: EnvExit.failed, message: "cannot change directory to '\(dir)': \(Errno.current.description)")
    }
    ctx.out.flush(); ctx.err.flush()
    let command = operands.first!
    let e = execWithEnvironment(Array(operands), env)
    throw ToolError(exitCode: e == .noSuchFile ? EnvExit.notFound : EnvExit.cannotRun,
                    message: "'\(command)': \(e.description)")
}

/// execvp(3) with an explicit environment: the PATH searched is the new
/// environment's (default /bin:/usr/bin). Returns only on failure, with the
/// errno execvp would leave (EACCES if any candidate was not executable).
func execWithEnvironment(_ argv: [String], _ env: [String]) -> Errno {
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
    let command = argv[0]
    if command.utf8.contains(0x2F) {
        execve(command, cArgs, cEnv)
        return Errno.current
    }
    var path = "/bin:/usr/bin"
    for v in env where v.hasPrefix("PATH=") { path = String(v.dropFirst(5)) }
    var sawAccess = false
    var last = Errno.noSuchFile
    for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
        let full = dir.isEmpty ? command : "\(dir)/\(command)"
        execve(full, cArgs, cEnv)
        let e = Errno.current
        switch e.rawValue {
        case EACCES: sawAccess = true
        case ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT: break
        default: return e
        }
        last = e
    }
    return sawAccess ? .permissionDenied : last
}
