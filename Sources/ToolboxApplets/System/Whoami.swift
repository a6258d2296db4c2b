import ToolboxCore

let whoamiApplet = Applet(spec: AppletSpec(
    name: "whoami",
    summary: "Print the user name of the effective user id, from the debugger's own /etc/passwd (GNU whoami)",
    usage: [""],
    details: "Names come from /etc/passwd, parsed directly (no NSS).",
    options: []), run: runWhoami)

@Sendable
func runWhoami(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = whoamiApplet.spec
    let p = try spec.parseNoOperands(args, usageExit: ExitCode.failure)
    let uid = geteuid()
    guard let name = HostNames(ctx).users.name(uid) else {
        throw ToolError.failure("cannot find name for user ID \(uid)")
    }
    ctx.out.line(name)
    return ExitCode.success
}
