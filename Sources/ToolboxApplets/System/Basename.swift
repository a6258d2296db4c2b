import ToolboxCore

let basenameApplet = Applet(spec: AppletSpec(
    name: "basename",
    summary: "Print NAME with any leading directory components removed (GNU basename)",
    usage: ["NAME [SUFFIX]", "OPTION... NAME..."],
    details: "Also removes a trailing SUFFIX, unless it is the whole remaining name.",
    options: [
        .flag("a", "multiple", "support multiple arguments and treat each as a NAME"),
        .value("s", "suffix", "SUFFIX", "remove a trailing SUFFIX; implies -a"),
        .flag("z", "zero", "end each output line with NUL, not newline"),
    ]), run: runBasename)

@Sendable
func runBasename(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = basenameApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    var names = p.operands
    if names.isEmpty { throw spec.usageError("missing operand", exit: ExitCode.failure) }
    var suffix = p.value("suffix")
    if !p.has("multiple") && suffix == nil {
        if names.count > 2 { throw spec.usageError("extra operand '\(names[2])'", exit: ExitCode.failure) }
        if names.count == 2 { suffix = names[1]; names.removeLast() }
    }
    let end: UInt8 = p.has("zero") ? 0 : ASCII.newline
    for name in names {
        var b = Array(baseName(name).utf8)
        if let suffix {
            let s = Array(suffix.utf8)
            if !s.isEmpty, b.first != 0x2F, b.count > s.count, b[(b.count - s.count)...].elementsEqual(s) {
                b.removeLast(s.count)
            }
        }
        ctx.out.write(b)
        ctx.out.byte(end)
    }
    return ExitCode.success
}
