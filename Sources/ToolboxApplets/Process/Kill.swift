import ToolboxCore

let killApplet = Applet(spec: AppletSpec(
    name: "kill",
    summary: "Send a signal to processes, or list signal names (procps kill)",
    usage: ["[-s SIGNAL | -SIGNAL] PID...", "-l [SIGNAL]", "-L"],
    details: """
    SIGNAL is a name (TERM, SIGTERM, term), RTMIN+N, or a number; the default is
    TERM. -l NAME prints its number and -l NUMBER its name. A negative PID (after
    --) signals a process group; -1 signals every process this one may signal.
    Names and layout are procps kill's.
    """,
    options: [
        .value("s", "signal", "SIGNAL", "the signal to send"),
        .flag("l", "list", "list all signal names, or convert one to a name or number"),
        .flag("L", "table", "list all signal names in a table"),
    ]), run: runKill)

@Sendable
func runKill(_ ctx: Context, _ args: [String]) throws -> Int32 {
    var signal: Int32 = SIGTERM
    var list = false, table = false
    var listArgument: String? = nil
    var pids: [String] = []
    var i = 0
    var optionsDone = false
    func invalid(_ s: String) -> ToolError {
        killApplet.spec.usageError("invalid argument \(s.first.map(String.init) ?? "")", exit: ExitCode.failure)
    }
    while i < args.count {
        let a = args[i]; i += 1
        if optionsDone || !a.hasPrefix("-") || a == "-" { pids.append(a); optionsDone = true; continue }
        switch a {
        case "--": optionsDone = true
        case "-l", "--list": list = true
        case "-L", "--table": table = true
        case "-s", "--signal":
            guard i < args.count else { throw invalid("s") }
            // procps: an unknown name becomes signal -1, which kill(2) refuses per PID.
            signal = Signals.number(args[i]) ?? -1; i += 1
        default:
            if a.hasPrefix("--list=") { list = true; listArgument = String(a.dropFirst(7)); continue }
            if a.hasPrefix("--signal=") { signal = Signals.number(String(a.dropFirst(9))) ?? -1; continue }
            if a.hasPrefix("-l") { list = true; listArgument = String(a.dropFirst(2)); continue }
            let body = String(a.dropFirst())
            guard let s = Signals.number(body) else { throw invalid(body) }
            signal = s
        }
    }
    if list || table {
        if table && !list { Signals.writeTable(ctx.out); return ExitCode.success }
        guard let arg = listArgument ?? pids.first else {
            if table { Signals.writeTable(ctx.out) } else { Signals.writeList(ctx.out) }
            return ExitCode.success
        }
        // One argument only, like procps; an unknown one is reported but exits 0.
        if !arg.isEmpty, arg.utf8.allSatisfy(ASCII.isDigit) {
            if let n = Int32(arg), let name = Signals.name(n) { ctx.out.line(name) } else { ctx.note("unknown signal name \(arg)") }
        } else if let n = Signals.number(arg, numbers: false, standardOnly: true) {
            ctx.out.decimal(n); ctx.out.byte(ASCII.newline)
        } else {
            ctx.note("unknown signal name \(arg)")
        }
        return ExitCode.success
    }
    if pids.isEmpty { throw killApplet.spec.usageError("no process ID specified", exit: ExitCode.failure) }
    var status = ExitCode.success
    for p in pids {
        guard let pid = Int32(p) else {
            ctx.out.flush()
            ctx.warn("failed to parse argument: '\(p)'")
            return ExitCode.failure
        }
        if kill(pid, signal) != 0 {
            ctx.out.flush()
            ctx.warn("(\(pid)): \(Errno.current.description)")
            status = ExitCode.failure
        }
    }
    return status
}
