import ToolboxCore

let dirnameApplet = Applet(spec: AppletSpec(
    name: "dirname",
    summary: "Print each NAME with its last non-slash component and trailing slashes removed (GNU dirname)",
    usage: ["[OPTION] NAME..."],
    details: "If NAME contains no slash, prints `.` (the current directory).",
    options: [
        .flag("z", "zero", "end each output line with NUL, not newline"),
    ]), run: runDirname)

@Sendable
func runDirname(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = dirnameApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    if p.operands.isEmpty { throw spec.usageError("missing operand", exit: ExitCode.failure) }
    let end: UInt8 = p.has("zero") ? 0 : ASCII.newline
    for name in p.operands {
        ctx.out.write(dirName(Array(name.utf8)))
        ctx.out.byte(end)
    }
    return ExitCode.success
}

/// dirname(1) on bytes: drop trailing slashes, the last component, then
/// the slashes before it; `/` for an absolute name left empty, else `.`.
func dirName(_ p: [UInt8]) -> [UInt8] {
    let slash: UInt8 = 0x2F
    var end = p.count
    while end > 1 && p[end - 1] == slash { end -= 1 }
    while end > 0 && p[end - 1] != slash { end -= 1 }
    while end > 1 && p[end - 1] == slash { end -= 1 }
    if end == 0 { return p.first == slash ? [slash] : [0x2E] }
    return Array(p[..<end])
}
