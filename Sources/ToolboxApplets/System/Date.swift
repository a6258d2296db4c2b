import ToolboxCore

let dateApplet = Applet(spec: AppletSpec(
    name: "date",
    summary: "Print the date and time, now or as given by -d (GNU date)",
    usage: ["[OPTION]... [+FORMAT]"],
    details: """
    FORMAT is strftime(3)'s (glibc), plus GNU date's %N (nanoseconds, %3N for
    milliseconds), %:z, %::z and %:::z. -d accepts @EPOCH[.FRACTION], now, today,
    yesterday, tomorrow, YYYY-MM-DD, [YYYY-MM-DD[T| ]]HH:MM[:SS[.FRACTION]] with an
    optional Z, UTC or +hh[:]mm zone, and relative items such as `1 day ago`,
    `+3 hours`, `-2 weeks` (units: second minute hour day week fortnight month year).
    The time zone is TZ, else /etc/localtime. Setting the clock is not supported.
    """,
    options: [
        .value("d", "date", "STRING", "display time described by STRING, not 'now'"),
        .value("I", "iso-8601", "FMT", "ISO 8601: FMT is date (the default), hours, minutes, seconds or ns"),
        .flag("R", "rfc-email", "output date and time in RFC 5322 format"),
        .value("r", "reference", "FILE", "display the last modification time of FILE (under /proc/PID/root: inside that container)"),
        .flag("u", "utc", "print or set Coordinated Universal Time (UTC)"),
    ]), run: runDate)

@Sendable
func runDate(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = dateApplet.spec
    // -I takes an optional argument: a bare -I means -Idate.
    let normalized = args.map { $0 == "-I" || $0 == "--iso-8601" ? "--iso-8601=date" : $0 }
    let p = try spec.parse(normalized, usageExit: ExitCode.failure)
    var format: String? = nil
    for op in p.operands {
        if op.hasPrefix("+") {
            if format != nil { throw spec.usageError("extra operand '\(op)'", exit: ExitCode.failure) }
            format = String(op.dropFirst())
        } else if p.has("date") || format != nil {
            throw spec.usageError("extra operand '\(op)'", exit: ExitCode.failure)
        } else {
            throw ToolError.failure("invalid date '\(op)'")
        }
    }
    var formats = 0
    if format != nil { formats += 1 }
    if p.has("rfc-email") { formats += 1 }
    if let iso = p.value("iso-8601") {
        formats += 1
        let table = ["date": "%Y-%m-%d", "hours": "%Y-%m-%dT%H%:z", "minutes": "%Y-%m-%dT%H:%M%:z",
                     "seconds": "%Y-%m-%dT%H:%M:%S%:z", "ns": "%Y-%m-%dT%H:%M:%S,%N%:z"]
        let keys = ["hours", "minutes", "date", "seconds", "ns"]
        let matches = keys.filter { $0.hasPrefix(iso) && !iso.isEmpty }
        guard let key = keys.contains(iso) ? iso : (matches.count == 1 ? matches[0] : nil) else {
            throw spec.usageError("invalid argument '\(iso)' for '--iso-8601'\nValid arguments are:\n"
                + keys.map { "  - '\($0)'" }.joinedText("\n"), exit: ExitCode.failure)
        }
        format = table[key]
    }
    if formats > 1 { throw ToolError.failure("multiple output formats specified") }
    if p.has("rfc-email") { format = "%a, %d %b %Y %H:%M:%S %z" }
    if p.has("utc") { setenv("TZ", "UTC0", 1) }
    tzset()

    var when = timespec()
    clock_gettime(CLOCK_REALTIME, &when)
    if let ref = p.value("reference") {
        // Resolved like the file applets: inside the container for /proc/PID/root paths.
        let opener = FileSession(ctx, verbose: false).opener
        do {
            let opened = try opener.open(ref, flags: O_PATH)
            defer { opened.fd.close() }
            when = try opened.fd.stat().st_mtim
        } catch let e as PathError {
            throw ToolError.failure("\(ref): \(e.errno.description)")
        } catch {
            throw ToolError.failure("\(ref): \(error)")
        }
    }
    if let d = p.value("date") {
        guard let t = parseDateString(d, now: when) else { throw ToolError.failure("invalid date '\(d)'") }
        when = t
    }
    ctx.out.write(formatTime(when, format ?? "%a %b %e %H:%M:%S %Z %Y"))
    ctx.out.byte(ASCII.newline)
    return ExitCode.success
}

/// strftime(3) in the local zone, with GNU's %N and %:z family done here.
func formatTime(_ t: timespec, _ format: String) -> [UInt8] {
    var secs = t.tv_sec
    var cal = tm()
    localtime_r(&secs, &cal)
    let f = Array(format.utf8)
    var out: [UInt8] = []
    var plain: [UInt8] = []          // directives strftime handles, batched
    func flushPlain() {
        guard !plain.isEmpty else { return }
        // strftime returns 0 both for an empty result and for a full buffer: mark the end.
        plain.append(contentsOf: "\u{1}".utf8)
        var cap = 256
        while cap <= 1 << 20 {
            let buf = UnsafeMutablePointer<CChar>.allocate(capacity: cap)
            defer { buf.deallocate() }
            let n = (plain + [0]).withUnsafeBufferPointer { fp in
                strftime(buf, cap, UnsafeRawPointer(fp.baseAddress!).assumingMemoryBound(to: CChar.self), &cal)
            }
            if n > 0 {
                out.append(contentsOf: UnsafeRawBufferPointer(start: buf, count: n - 1))
                break
            }
            cap *= 4
        }
        plain.removeAll()
    }
    var i = 0
    while i < f.count {
        guard f[i] == 0x25, i + 1 < f.count else { plain.append(f[i]); i += 1; continue }
        var j = i + 1
        var pad: UInt8 = 0
        while j < f.count, "_-0^#".utf8.contains(f[j]) { if f[j] != 0x5E && f[j] != 0x23 { pad = f[j] }; j += 1 }
        var width = -1
        while j < f.count, ASCII.isDigit(f[j]) { width = max(width, 0) * 10 + Int(f[j] - 0x30); j += 1 }
        var colons = 0
        while j < f.count, f[j] == 0x3A { colons += 1; j += 1 }
        guard j < f.count else { plain.append(contentsOf: f[i...]); break }
        let c = f[j]
        if c == 0x4E && colons == 0 {                                       // %N
            flushPlain()
            var v = Int(t.tv_nsec)
            var w = 9
            if width >= 0 { w = width; var k = width; while k < 9 { v /= 10; k += 1 } }
            var digits = Array(String(v).utf8)
            if pad != 0x2D && digits.count < w { digits = [UInt8](repeating: pad == 0x5F ? 0x20 : 0x30, count: w - digits.count) + digits }
            out.append(contentsOf: digits)
        } else if c == 0x7A && colons > 0 && colons <= 3 {                  // %:z %::z %:::z
            flushPlain()
            let off = cal.tm_gmtoff
            let a = abs(off)
            let hh = a / 3600, mm = a / 60 % 60, ss = a % 60
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            var s = (off < 0 ? "-" : "+") + two(hh)
            if colons == 1 { s += ":" + two(mm) }
            else if colons == 2 { s += ":" + two(mm) + ":" + two(ss) }
            else if mm != 0 || ss != 0 { s += ":" + two(mm) + (ss != 0 ? ":" + two(ss) : "") }
            out.append(contentsOf: s.utf8)
        } else {
            plain.append(contentsOf: f[i...j])
        }
        i = j + 1
    }
    flushPlain()
    return out
}

/// The -d forms in dateApplet's details; nil when STRING is not one of them.
func parseDateString(_ s: String, now: timespec) -> timespec? {
    let text = Array(s.utf8)
    if text.first == 0x40 {                                                 // @EPOCH[.frac]
        let body = String(decoding: text.dropFirst(), as: UTF8.self)
        return parseSecondsFraction(body)
    }
    let tokens = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String($0).lowercased() }
    var secs = now.tv_sec
    var cal = tm()
    localtime_r(&secs, &cal)
    var nsec = Int(now.tv_nsec)
    var haveDate = false, haveTime = false
    var zoneOffset: Int? = nil
    var rel = (year: 0, month: 0, day: 0, seconds: 0)
    var k = 0
    func unitSeconds(_ u: String) -> (kind: Int, n: Int)? {
        var u = u
        if u.hasSuffix("s") && u.count > 3 { u.removeLast() }
        switch u {
        case "sec", "second": return (0, 1)
        case "min", "minute": return (0, 60)
        case "hour": return (0, 3600)
        case "day": return (1, 1)
        case "week": return (1, 7)
        case "fortnight": return (1, 14)
        case "month": return (2, 1)
        case "year": return (3, 1)
        default: return nil
        }
    }
    func addRelative(_ n: Int, _ unit: (kind: Int, n: Int)) {
        switch unit.kind {
        case 0: rel.seconds += n * unit.n
        case 1: rel.day += n * unit.n
        case 2: rel.month += n
        default: rel.year += n
        }
    }
    while k < tokens.count {
        var t = tokens[k]; k += 1
        switch t {
        case "now", "today": continue
        case "yesterday": rel.day -= 1; continue
        case "tomorrow": rel.day += 1; continue
        case "utc", "gmt", "z": zoneOffset = 0; continue
        case "ago": rel = (-rel.year, -rel.month, -rel.day, -rel.seconds); continue
        default: break
        }
        if let u = unitSeconds(t) { addRelative(1, u); continue }
        // A date, possibly with a time after T.
        if let dash = dateComponents(t) {
            cal.tm_year = Int32(dash.y - 1900); cal.tm_mon = Int32(dash.m - 1); cal.tm_mday = Int32(dash.d)
            haveDate = true
            guard let rest = dash.rest else { continue }
            t = rest
        }
        if t.utf8.contains(0x3A) {
            guard let clock = timeComponents(t) else { return nil }
            cal.tm_hour = Int32(clock.h); cal.tm_min = Int32(clock.m); cal.tm_sec = Int32(clock.s)
            nsec = clock.ns
            haveTime = true
            if let z = clock.zone { zoneOffset = z }
            continue
        }
        // A signed number: a zone after a time (+0200), else a relative count.
        if let n = Int(t) {
            // After a time, a signed number is its zone: +3 (hours), +0530 (hhmm), as GNU's parser reads it.
            if haveTime && (t.hasPrefix("+") || t.hasPrefix("-")) && t.count <= 5 && zoneOffset == nil {
                let v = abs(n)
                let secs = t.count <= 3 ? v * 3600 : v / 100 * 3600 + v % 100 * 60
                zoneOffset = (n < 0 ? -1 : 1) * secs
                continue
            }
            guard k < tokens.count, let u = unitSeconds(tokens[k]) else { return nil }
            k += 1
            var count = n
            if k < tokens.count, tokens[k] == "ago" { count = -count; k += 1 }
            addRelative(count, u)
            continue
        }
        return nil
    }
    if haveDate && !haveTime { cal.tm_hour = 0; cal.tm_min = 0; cal.tm_sec = 0; nsec = 0 }
    if (haveDate || haveTime) && !haveTime { nsec = 0 }
    cal.tm_year += Int32(rel.year); cal.tm_mon += Int32(rel.month); cal.tm_mday += Int32(rel.day)
    var result: Int
    if let z = zoneOffset {
        cal.tm_isdst = 0
        result = timegm(&cal) - z
    } else {
        cal.tm_isdst = -1
        result = mktime(&cal)
    }
    result += rel.seconds
    return timespec(tv_sec: result, tv_nsec: nsec)
}

/// `SECONDS[.FRACTION]`, possibly negative.
func parseSecondsFraction(_ s: String) -> timespec? {
    let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = Int(parts[0].isEmpty || parts[0] == "-" || parts[0] == "+" ? parts[0] + "0" : parts[0]) else { return nil }
    var ns = 0
    if parts.count == 2 {
        let frac = Array(parts[1].utf8)
        guard !frac.isEmpty, frac.allSatisfy(ASCII.isDigit) else { return nil }
        for i in 0..<9 { ns = ns * 10 + (i < frac.count ? Int(frac[i] - 0x30) : 0) }
    }
    if parts[0].hasPrefix("-") && ns > 0 { return timespec(tv_sec: whole - 1, tv_nsec: 1_000_000_000 - ns) }
    return timespec(tv_sec: whole, tv_nsec: ns)
}

/// `YYYY-MM-DD`, with what follows a `T` as `rest`.
func dateComponents(_ t: String) -> (y: Int, m: Int, d: Int, rest: String?)? {
    var s = Substring(t)
    var rest: String? = nil
    if let ti = s.firstIndex(of: "t") { rest = String(s[s.index(after: ti)...]); s = s[..<ti] }
    let p = s.split(separator: "-", omittingEmptySubsequences: false)
    guard p.count == 3, p[0].count >= 1, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]),
          (1...12).contains(m), (1...31).contains(d) else { return nil }
    return (y, m, d, rest)
}

/// `HH:MM[:SS[.frac]]` with an optional `z` or `+hh[:mm]` zone.
func timeComponents(_ t: String) -> (h: Int, m: Int, s: Int, ns: Int, zone: Int?)? {
    var body = Substring(t)
    var zone: Int? = nil
    if body.hasSuffix("z") { zone = 0; body = body.dropLast() }
    else if let si = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
        let z = body[body.index(after: si)...].filter { $0 != ":" }
        guard z.count == 4 || z.count == 2, let v = Int(z) else { return nil }
        let secs = z.count == 2 ? v * 3600 : v / 100 * 3600 + v % 100 * 60
        zone = body[si] == "-" ? -secs : secs
        body = body[..<si]
    }
    let p = body.split(separator: ":", omittingEmptySubsequences: false)
    guard p.count == 2 || p.count == 3, let h = Int(p[0]), let m = Int(p[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
    var sec = 0, ns = 0
    if p.count == 3 {
        guard let ts = parseSecondsFraction(String(p[2])), (0...60).contains(ts.tv_sec) else { return nil }
        sec = ts.tv_sec; ns = ts.tv_nsec
    }
    return (h, m, sec, ns, zone)
}
