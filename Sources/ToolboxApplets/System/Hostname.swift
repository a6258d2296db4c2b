import ToolboxCore

let hostnameApplet = Applet(spec: AppletSpec(
    name: "hostname",
    summary: "Print (or, with NAME, set) the host name of this UTS namespace (net-tools hostname)",
    usage: ["[-s]", "NAME"],
    details: """
    The name is the kernel's (uname(2) nodename): in a pod, the pod's name.
    Setting it needs CAP_SYS_ADMIN in the UTS namespace. No DNS lookups are made,
    so -f, -d, -i and -A of the net-tools hostname are not provided.
    """,
    options: [
        .flag("s", "short", "short host name (up to the first dot)"),
    ]), run: runHostname)

@Sendable
func runHostname(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = hostnameApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    if let name = p.operands.first {
        if p.operands.count > 1 { throw spec.usageError("extra operand '\(p.operands[1])'", exit: ExitCode.failure) }
        var n = name
        let rc = n.withUTF8 { sethostname(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }
        if rc != 0 {
            let e = Errno.current
            // net-tools: "hostname: you must be root to change the host name".
            if e == .notPermitted { throw ToolError.failure("you must be root to change the host name") }
            throw ToolError.failure(e.description)
        }
        return ExitCode.success
    }
    var n = UnameInfo().nodename
    if p.has("short"), let dot = n.utf8.firstIndex(of: 0x2E) { n = String(n[..<dot]) }
    ctx.out.line(n)
    return ExitCode.success
}
