import ToolboxCore

let uptimeApplet = Applet(spec: AppletSpec(
    name: "uptime",
    summary: "Print the time, how long the system has been up, users and load averages (procps uptime)",
    usage: ["[-p | -s]"],
    details: """
    Reads /proc/uptime and /proc/loadavg. Users are the USER_PROCESS records of
    /run/utmp (a container usually has none: 0 users).
    """,
    options: [
        .flag("p", "pretty", "show uptime in pretty format"),
        .flag("s", "since", "system up since, as yyyy-mm-dd HH:MM:SS"),
    ]), run: runUptime)

@Sendable
func runUptime(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = uptimeApplet.spec
    let p = try spec.parseNoOperands(args, usageExit: ExitCode.failure)
    try ctx.procfs.requireMounted()
    let uptimeText = try procText(ctx, "uptime")
    guard let up = strictDouble(uptimeText.split(separator: " ").first.map(String.init) ?? "") else {
        throw ToolError.failure("\(ctx.procfs.root)/uptime: cannot parse")
    }
    let now = time(nil)
    if p.has("since") {
        let boot = now - Int(up)
        ctx.out.write(formatTime(timespec(tv_sec: boot, tv_nsec: 0), "%Y-%m-%d %H:%M:%S"))
        ctx.out.byte(ASCII.newline)
        return ExitCode.success
    }
    let secs = Int(up)
    if p.has("pretty") {
        ctx.out.line(prettyUptime(secs))
        return ExitCode.success
    }
    ctx.out.line(" " + (try uptimeSummary(ctx, now: now, uptime: secs)))
    return ExitCode.success
}

/// `HH:MM:SS up 4:20,  0 user,  load average: 0.52, 0.58, 0.59` (procps
/// sprint_uptime: uptime prints it after a space, top after `top - `).
func uptimeSummary(_ ctx: Context, now: Int, uptime secs: Int) throws -> String {
    var load: [Double] = [0, 0, 0]
    let f = try procText(ctx, "loadavg").split(separator: " ")
    for i in 0..<3 where i < f.count { load[i] = strictDouble(String(f[i])) ?? 0 }
    var s = String(decoding: formatTime(timespec(tv_sec: now, tv_nsec: 0), "%H:%M:%S "), as: UTF8.self)
    s += "up "
    let days = secs / 86400, hours = secs / 3600 % 24, minutes = secs / 60 % 60
    if days > 0 { s += "\(days) \(days != 1 ? "days" : "day"), " }
    if hours > 0 { s += (hours < 10 ? " " : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes), " }
    else { s += "\(minutes) min, " }
    let users = countUsers(ctx.hostRoot)
    s += (users < 10 ? " " : "") + "\(users) \(users > 1 ? "users" : "user"),  load average: "
    s += load.map { fixed2($0) }.joinedText(", ")
    return s
}

/// `up 2 weeks, 3 days, 4 hours, 5 minutes` (procps 4 sprint_uptime
/// pretty: larger units when non-zero, minutes always).
func prettyUptime(_ secs: Int) -> String {
    let units: [(Int, String)] = [(secs / (60 * 60 * 24 * 365), "year"), (secs / (60 * 60 * 24 * 7) % 52, "week"),
                                  (secs / (60 * 60 * 24) % 7, "day"), (secs / 3600 % 24, "hour")]
    var s = "up "
    for (n, name) in units where n > 0 { s += "\(n) \(name)\(n != 1 ? "s" : ""), " }
    let minutes = secs / 60 % 60
    return s + "\(minutes) minute\(minutes != 1 ? "s" : "")"
}

/// `%.2f`.
func fixed2(_ v: Double) -> String {
    cFormatted("%.2f", v)
}

func strictDouble(_ s: String) -> Double? {
    s.withCString { p -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(p, &end)
        guard let end, end != UnsafeMutablePointer(mutating: p) else { return nil }
        return ASCII.isSpace(UInt8(bitPattern: end.pointee)) || end.pointee == 0 ? v : nil
    }
}

/// USER_PROCESS records with a user name in utmp(5) (384-byte records:
/// ut_type at 0, ut_user at 44).
func countUsers(_ hostRoot: String) -> Int {
    guard let b = try? readWholeFile(hostRoot + "/run/utmp") else { return 0 }
    var n = 0
    var off = 0
    while off + 384 <= b.count {
        let type = Int16(b[off]) | Int16(b[off + 1]) << 8
        if type == 7 && b[off + 44] != 0 { n += 1 }
        off += 384
    }
    return n
}

/// The text of /proc/NAME (small files: uptime, loadavg).
func procText(_ ctx: Context, _ name: String) throws(ToolError) -> String {
    do { return String(decoding: try readWholeFile("\(ctx.procfs.root)/\(name)"), as: UTF8.self) } catch {
        throw ToolError.failure("\(ctx.procfs.root)/\(name): \(error.description)")
    }
}
