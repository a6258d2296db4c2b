import ToolboxCore

let sleepApplet = Applet(spec: AppletSpec(
    name: "sleep",
    summary: "Pause for NUMBER seconds, or forever with `infinity` (GNU sleep)",
    usage: ["NUMBER[SUFFIX]..."],
    details: """
    SUFFIX is s (seconds, the default), m (minutes), h (hours) or d (days); NUMBER
    may be fractional; several operands are added. `sleep infinity` keeps a debug
    container up: it waits in pause(2) and uses no CPU. As PID 1 (where the kernel
    ignores signals without a handler) SIGTERM and SIGINT end it.
    """,
    options: []), run: runSleep)

@Sendable
func runSleep(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = sleepApplet.spec
    let (optionArgs, operands) = spec.splitAtFirstOperand(args)
    let p = try spec.parse(optionArgs, usageExit: ExitCode.failure)
    let all = p.operands + operands
    if all.isEmpty { throw spec.usageError("missing operand", exit: ExitCode.failure) }
    var total = 0.0
    var invalid: [String] = []
    for a in all {
        if let s = sleepSeconds(a) { total += s } else { invalid.append(a) }
    }
    if let last = invalid.last {
        for a in invalid.dropLast() { ctx.err.write("sleep: invalid time interval '\(a)'\n") }
        throw spec.usageError("invalid time interval '\(last)'", exit: ExitCode.failure)
    }
    if getpid() == 1 {
        signal(SIGTERM) { _ in _exit(128 + SIGTERM) }
        signal(SIGINT) { _ in _exit(128 + SIGINT) }
    }
    ctx.out.flush()
    if !total.isFinite || total >= 1e15 {
        while true { pause() }
    }
    var deadline = timespec()
    clock_gettime(CLOCK_MONOTONIC, &deadline)
    let whole = total.rounded(.down)
    var ns = Int(deadline.tv_nsec) + Int(((total - whole) * 1e9).rounded(.up))
    deadline.tv_sec += Int(whole) + ns / 1_000_000_000
    ns %= 1_000_000_000
    deadline.tv_nsec = ns
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
    return ExitCode.success
}

/// Seconds in `NUMBER[smhd]` (strtod's forms: 1.5, 0x10, inf), nil if invalid or negative.
func sleepSeconds(_ arg: String) -> Double? {
    arg.withCString { p -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(p, &end)
        guard let end, end != UnsafeMutablePointer(mutating: p), !v.isNaN, v >= 0 else { return nil }
        if end.pointee == 0 { return v }
        guard end[1] == 0 else { return nil }
        switch UInt8(bitPattern: end.pointee) {
        case 0x73: return v
        case 0x6D: return v * 60
        case 0x68: return v * 3600
        case 0x64: return v * 86400
        default: return nil
        }
    }
}
