import ToolboxCore

let unameApplet = Applet(spec: AppletSpec(
    name: "uname",
    summary: "Print system information from uname(2) (GNU uname)",
    usage: ["[OPTION]..."],
    details: "With no OPTION, same as -s. -p and -i print `unknown` (as Debian's uname) and -a leaves them out.",
    options: [
        .flag("a", "all", "print all information, in the order below, omitting -p and -i if unknown"),
        .flag("s", "kernel-name", "print the kernel name"),
        .flag("n", "nodename", "print the network node hostname"),
        .flag("r", "kernel-release", "print the kernel release"),
        .flag("v", "kernel-version", "print the kernel version"),
        .flag("m", "machine", "print the machine hardware name"),
        .flag("p", "processor", "print the processor type"),
        .flag("i", "hardware-platform", "print the hardware platform"),
        .flag("o", "operating-system", "print the operating system"),
    ]), run: runUname)

@Sendable
func runUname(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = unameApplet.spec
    let p = try spec.parseNoOperands(args, usageExit: ExitCode.failure)
    let u = UnameInfo()
    let all = p.has("all")
    let fields: [(String, String, Bool)] = [
        ("kernel-name", u.sysname, true), ("nodename", u.nodename, true), ("kernel-release", u.release, true),
        ("kernel-version", u.version, true), ("machine", u.machine, true),
        ("processor", "unknown", false), ("hardware-platform", "unknown", false),
        ("operating-system", "GNU/Linux", true),
    ]
    let any = fields.contains { p.has($0.0) }
    var first = true
    for (key, value, inAll) in fields {
        let want = p.has(key) || (all && inAll) || (!any && !all && key == "kernel-name")
        guard want else { continue }
        if !first { ctx.out.byte(ASCII.space) }
        ctx.out.write(value)
        first = false
    }
    ctx.out.byte(ASCII.newline)
    return ExitCode.success
}
