import ToolboxCore

let pwdxApplet = Applet(spec: AppletSpec(
    name: "pwdx",
    summary: "Print the current working directory of processes (procps pwdx)",
    usage: ["PID..."],
    details: """
    Prints `PID: DIRECTORY` for each process. /proc/PID/cwd needs ptrace
    access: without it toolbox reads it by borrowing the process's uid and
    gid in a short-lived child. Errors are `PID: reason`, as procps prints them.
    """,
    options: []), run: runPwdx)

@Sendable
func runPwdx(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let opts = try pwdxApplet.spec.parse(args)
    try ctx.procfs.requireMounted()
    if opts.operands.isEmpty { throw pwdxApplet.spec.usageError("no process ID specified") }
    var status = ExitCode.success
    for op in opts.operands {
        guard let pid = Int32(op), pid > 0 else {
            ctx.out.flush()
            ctx.err.write("pwdx: invalid process id: \(op)\n")
            status = ExitCode.failure
            continue
        }
        do {
            let dir = try readTargetLink(procfs: ctx.procfs, pid: pid, "cwd")
            ctx.out.line("\(pid): \(dir)")
        } catch {
            ctx.out.flush()
            // procps: ENOENT (the process is gone) reads "No such process".
            let why = error.errno == .noSuchFile || error.errno == .noSuchProcess ? "No such process"
                : error.errno.description
            ctx.err.write("\(pid): \(why)\n")
            status = ExitCode.failure
        }
    }
    return status
}
