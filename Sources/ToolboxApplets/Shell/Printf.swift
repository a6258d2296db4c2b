import ToolboxCore
import ToolboxShell

let printfApplet = Applet(spec: AppletSpec(
    name: "printf",
    summary: "Format and print ARGUMENTs under control of FORMAT (GNU printf; the shell builtin follows dash)",
    usage: ["FORMAT [ARGUMENT...]"],
    details: "Conversions: %d %i %o %u %x %X %e %f %g %a %c %s %b %q %%, with flags, width and precision (* allowed). The format is reused until the arguments are used up.",
    options: []), run: { ctx, args in
        printfCommand(args, out: ctx.out, warn: { ctx.err.write("printf: \($0)\n") }, dialect: .gnu) })
