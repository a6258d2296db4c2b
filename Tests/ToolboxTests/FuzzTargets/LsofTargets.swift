import ToolboxCore

/// /proc/PID/maps, as lsof reads it for its mem rows: every line parsed,
/// files kept once per (device, inode).
let mapsFuzzTarget = FuzzTarget(name: "maps", seeds: []) { data in
    let (files, bad) = PidMapsFile.distinctFiles(in: data)
    var text = "files=\(files.count) bad=\(bad)"
    for f in files.prefix(4) { text += " \(f.major):\(f.minor)/\(f.inode)/\(f.path.utf8.count)/\(f.deleted)" }
    return text
}

/// /proc/PID/fdinfo/FD: pos and flags.
let fdinfoFuzzTarget = FuzzTarget(name: "fdinfo", seeds: []) { data in
    let i = FdInfo.parse(data)
    return "pos=\(i.pos.map { String($0) } ?? "-") flags=\(i.flags.map { String($0, radix: 8) } ?? "-")"
}

/// The cpu line of /proc/stat, as top's summary reads it.
let procstatFuzzTarget = FuzzTarget(name: "procstat", seeds: []) { data in
    _ = CpuTimes.parseAll(data)   // the per-CPU lines (top's key 1): must not crash
    guard let c = CpuTimes.parse(data) else { return "none" }
    return "us=\(c.user) sy=\(c.system) id=\(c.idle) st=\(c.steal) total=\(c.total)"
}
