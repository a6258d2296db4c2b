import ToolboxCore
import ToolboxShell

let shApplet = Applet(spec: AppletSpec(
    name: "sh",
    summary: "POSIX shell; commands naming an applet run toolbox's own code without exec (docs/sh.md)",
    usage: ["[-efuxCv] [-c COMMAND [NAME [ARG...]]]", "[-efuxCv] [FILE [ARG...]]", "[-efuxCv] [-s] [ARG...]"],
    details: """
    With -c, runs COMMAND ($0 is NAME, $1... the ARGs). With FILE, runs the script. Otherwise reads commands \
    from standard input: with prompts, line editing, history and job control on a terminal, without them \
    from a pipe or file. Under /proc/PID/root, cd, relative paths and globs stay inside that container root.
    Exit status: that of the last command; 2 for a syntax error, 127 for a command not found.
    """,
    options: [
        .flag("c", nil, "read commands from the COMMAND operand"),
        .flag("s", nil, "read commands from standard input"),
        .flag("i", nil, "interactive"),
        .flag("e", nil, "exit when a command fails (set -e)"),
        .flag("u", nil, "unset variables are an error (set -u)"),
        .flag("x", nil, "trace commands (set -x)"),
        .flag("f", nil, "no pathname expansion (set -f)"),
    ]), run: runSh)

/// The runner the shell uses for applets: on the current fds 0/1/2.
let shellAppletRunner = AppletRunner(
    names: { appletNames },
    index: { appletIndex(named: $0) },
    run: { i, argv in
        signal(SIGPIPE, SIG_IGN)   // applets handle EPIPE silently (OutputWriter)
        let out = OutputWriter.standardOutput()
        let err = OutputWriter.standardError()
        var code = Toolbox.run(applet(at: i), Array(argv.dropFirst()), out: out, err: err)
        out.flush()
        if let f = out.failure {
            err.write("\(appletNames[i]): write error: \(f.message)\n")
            code = ExitCode.failure
        }
        err.flush()
        return code
    })

@Sendable
func runSh(_ ctx: Context, _ args: [String]) throws -> Int32 {
    ctx.out.flush()
    return Shell.main(args, applets: shellAppletRunner)
}
