import ToolboxCore

let freeApplet = Applet(spec: AppletSpec(
    name: "free",
    summary: "Show the amount of free and used memory, and the container's memory cgroup limit (procps free)",
    usage: ["[OPTION]..."],
    details: """
    Reads /proc/meminfo and prints procps 4's layout: used is total - available,
    buff/cache is Buffers + Cached + SReclaimable. When this process is in a memory
    cgroup with a limit (v2 memory.max, v1 memory.limit_in_bytes), one more line
    `Cgroup:` follows with the limit, the usage (memory.current or
    memory.usage_in_bytes) and what is left, in the same units: the memory this
    container may still use, which /proc/meminfo (the host's) does not show.
    """,
    options: [
        .flag("b", "bytes", "show output in bytes"),
        .flag("k", "kibi", "show output in kibibytes (the default)"),
        .flag("m", "mebi", "show output in mebibytes"),
        .flag("g", "gibi", "show output in gibibytes"),
        .flag("h", "human", "show human-readable output"),
        .flag("w", "wide", "wide output: buffers and cache in separate columns"),
        .flag("t", "total", "show total for RAM + swap"),
        .flag("l", "lohi", "show detailed low and high memory statistics"),
    ]), run: runFree)

@Sendable
func runFree(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = freeApplet.spec
    let p = try spec.parseNoOperands(args, usageExit: ExitCode.failure)
    try ctx.procfs.requireMounted()
    var exponent = 0
    for key in p.order {
        switch key {
        case "bytes": exponent = 1
        case "kibi": exponent = 2
        case "mebi": exponent = 3
        case "gibi": exponent = 4
        default: break
        }
    }
    let human = p.has("human"), wide = p.has("wide")
    let buffer = ReadBuffer(capacity: 8192)
    let m: Meminfo
    do { m = Meminfo.parse(try ctx.procfs.read("meminfo", into: buffer)) } catch {
        throw ToolError.failure("\(ctx.procfs.root)/meminfo: \(describe(error))")
    }
    func v(_ k: String) -> UInt64 { m[k] ?? 0 }
    let total = v("MemTotal"), free = v("MemFree")
    let cached = v("Cached") + v("SReclaimable"), buffers = v("Buffers")
    var available = m["MemAvailable"] ?? free
    if available > total { available = total }
    let used = total >= available ? total - available : 0
    let swapTotal = v("SwapTotal"), swapFree = v("SwapFree")
    let swapUsed = swapTotal >= swapFree ? swapTotal - swapFree : 0

    let out = ctx.out
    func cell(_ kb: UInt64, first: Bool = false) {
        let s = freeScale(kb, exponent: exponent, human: human)
        if !first { out.byte(ASCII.space) }
        out.padded(s, width: 11, leftAlign: false)
    }
    func label(_ s: String) { out.padded(s, width: 9) }
    out.write(wide ? "               total        used        free      shared     buffers       cache   available\n"
                   : "               total        used        free      shared  buff/cache   available\n")
    label("Mem:")
    cell(total, first: true); cell(used); cell(free); cell(v("Shmem"))
    if wide { cell(buffers); cell(cached) } else { cell(buffers + cached) }
    cell(available); out.byte(ASCII.newline)
    if p.has("lohi") {
        let lowTotal = m["LowTotal"] ?? total, lowFree = m["LowFree"] ?? free
        let highTotal = v("HighTotal"), highFree = v("HighFree")
        label("Low:"); cell(lowTotal, first: true); cell(lowTotal - min(lowFree, lowTotal)); cell(lowFree); out.byte(ASCII.newline)
        label("High:"); cell(highTotal, first: true); cell(highTotal - min(highFree, highTotal)); cell(highFree); out.byte(ASCII.newline)
    }
    label("Swap:"); cell(swapTotal, first: true); cell(swapUsed); cell(swapFree); out.byte(ASCII.newline)
    if p.has("total") {
        label("Total:"); cell(total + swapTotal, first: true); cell(used + swapUsed); cell(free + swapFree); out.byte(ASCII.newline)
    }
    if let cg = cgroupMemory(ctx) {
        label("Cgroup:")
        cell(cg.limit / 1024, first: true); cell(cg.usage / 1024); cell(cg.limit > cg.usage ? (cg.limit - cg.usage) / 1024 : 0)
        out.byte(ASCII.newline)
    }
    return ExitCode.success
}

/// procps free's scale_size: KiB as given, or bytes / 1024^(exponent-1), or
/// with -h the shortest of `%lldB`, `%.1f%ci`, `%ld%ci` that fits 4-5 columns.
func freeScale(_ kb: UInt64, exponent: Int, human: Bool) -> String {
    let bytes = kb &* 1024
    if !human {
        switch exponent {
        case 0: return String(kb)
        case 1: return String(bytes)
        default:
            var d: UInt64 = 1
            for _ in 0..<(exponent - 1) { d *= 1024 }
            return String(bytes / d)
        }
    }
    if String(bytes).utf8.count + 1 <= 4 { return "\(bytes)B" }
    let units: [UInt8] = [0x4B, 0x4D, 0x47, 0x54, 0x50]   // K M G T P
    var s = ""
    for (i, u) in units.enumerated() {
        let scaled = Float(Double(bytes) / pow(1024.0, Double(i + 1)))
        let unit = String(decoding: [u], as: UTF8.self)
        s = cFormatted("%.1f", Double(scaled)) + unit + "i"
        if s.utf8.count <= 5 { return s }
        s = "\(Int64(Double(bytes) / pow(1024.0, Double(i + 1))))\(unit)i"
        if s.utf8.count <= 5 { return s }
    }
    return s
}

/// The memory cgroup limit and usage (bytes) of this process, when there
/// is a limit: v2 memory.max/memory.current, else v1
/// memory.limit_in_bytes/memory.usage_in_bytes. The directories come from
/// /proc/self/cgroup and the cgroup mounts in /proc/self/mountinfo.
func cgroupMemory(_ ctx: Context) -> (limit: UInt64, usage: UInt64)? {
    let buffer = ReadBuffer(capacity: 4096)
    guard let cg = try? ctx.procfs.read("self/cgroup", into: buffer).string,
          let mounts = try? readWholeFile(ctx.procfs.path(nil, "mountinfo")) else { return nil }
    let entries = mounts.withUnsafeBufferPointer { MountInfo.parse($0).mounts }
    for dir in cgroupMemoryDirectories(cgroupFile: cg, mounts: entries) {
        func number(_ f: String) -> UInt64? {
            guard let b = try? readWholeFile(dir.path + "/" + f) else { return nil }
            let t = String(decoding: b, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            return UInt64(t)
        }
        if dir.v2 {
            guard let limit = number("memory.max"), let usage = number("memory.current") else { continue }
            return (limit, usage)
        }
        // v1 reports "no limit" as PAGE_COUNTER_MAX pages (about 2^63).
        guard let limit = number("memory.limit_in_bytes"), limit < 1 << 62,
              let usage = number("memory.usage_in_bytes") else { continue }
        return (limit, usage)
    }
    return nil
}

