import ToolboxCore
import ToolboxShell

let echoApplet = Applet(spec: AppletSpec(
    name: "echo",
    summary: "Print the arguments separated by spaces (GNU echo; the shell's builtin interprets escapes, as dash's)",
    usage: ["[-neE] [STRING...]"],
    details: "Options are recognised only before the first STRING and only when made of n, e, E.",
    options: [
        .flag("n", nil, "no trailing newline"),
        .flag("e", nil, "interpret backslash escapes (\\n \\t \\0NNN \\xHH \\c ...)"),
        .flag("E", nil, "do not interpret backslash escapes (the default)"),
    ]), run: { ctx, args in echoCommand(args, out: ctx.out, dialect: .gnu) })
