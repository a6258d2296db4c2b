import ToolboxCore

let dfApplet = Applet(spec: AppletSpec(
    name: "df",
    summary: "Show file system disk space (or inode) usage, from /proc/self/mountinfo and statfs (GNU df)",
    usage: ["[OPTION]... [FILE]..."],
    details: """
    Rows are the mounts of /proc/self/mountinfo as GNU df picks them: without -a,
    pseudo file systems (proc, sysfs, devpts, ...) and those of zero size are
    left out, and a device mounted twice is shown once. With FILE, the file
    system holding each FILE; a FILE under /proc/PID/root is resolved inside that
    container and its mount is looked up in /proc/PID/mountinfo.
    """,
    options: [
        .flag("a", "all", "include pseudo, duplicate, inaccessible file systems"),
        .flag("h", "human-readable", "print sizes in powers of 1024 (e.g., 1023M)"),
        .flag("i", "inodes", "list inode information instead of block usage"),
        .flag("k", nil, "like --block-size=1K (the default)"),
        .flag("P", "portability", "use the POSIX output format"),
        .flag("T", "print-type", "print file system type"),
        .value("t", "type", "TYPE", "limit listing to file systems of type TYPE"),
        .value("x", "exclude-type", "TYPE", "limit listing to file systems not of type TYPE"),
        verboseOption,
    ]), run: runDf)

/// gnulib's ME_DUMMY types: left out without -a.
private let dummyTypes: Set<String> = ["autofs", "proc", "subfs", "debugfs", "devpts", "fusectl", "fuse.portal",
                                       "mqueue", "rpc_pipefs", "sysfs", "devfs", "kernfs", "ignore", "none"]

/// One row's figures; nil fields print as `-` (an inaccessible mount with -a).
private struct DfFigures {
    var blocks: UInt64, bfree: UInt64, bavail: UInt64, frsize: UInt64, files: UInt64, ffree: UInt64
    init?(_ s: statfs) {
        blocks = UInt64(s.f_blocks); bfree = UInt64(s.f_bfree); bavail = UInt64(s.f_bavail)
        frsize = UInt64(s.f_frsize != 0 ? s.f_frsize : s.f_bsize); files = UInt64(s.f_files); ffree = UInt64(s.f_ffree)
    }
}

@Sendable
func runDf(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = dfApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    let all = p.has("all"), human = p.has("human-readable"), inodes = p.has("inodes")
    let posix = p.has("portability"), showType = p.has("print-type")
    let only = Set(p.values("type")), exclude = Set(p.values("exclude-type"))
    func typeWanted(_ t: String) -> Bool { (only.isEmpty || only.contains(t)) && !exclude.contains(t) }

    var rows: [(MountInfo.Mount, DfFigures?)] = []
    if p.operands.isEmpty {
        guard let text = try? readWholeFile(ctx.procfs.path(nil, "mountinfo")) else {
            throw ToolError.failure("cannot read table of mounted file systems: \(Errno.current.description)")
        }
        let mounts = text.withUnsafeBufferPointer { MountInfo.parse($0).mounts }
        /// gnulib's ME_REMOTE (the common cases).
        func remote(_ m: MountInfo.Mount) -> Bool {
            m.source.utf8.contains(0x3A) || (m.source.hasPrefix("//") && ["smbfs", "smb3", "cifs"].contains(m.fsType))
        }
        /// filter_mount_list's rule: does `m` replace `seen`, the entry kept
        /// so far for the same device?
        func replaces(_ m: MountInfo.Mount, _ seen: MountInfo.Mount) -> Bool {
            let nearerRoot = seen.mountPoint.utf8.count > m.mountPoint.utf8.count
            let sourceBelowRoot = seen.root.utf8.count < m.root.utf8.count
            return (m.source.utf8.contains(0x2F) && !seen.source.utf8.contains(0x2F))
                || (nearerRoot && !sourceBelowRoot)
                || (seen.source != m.source && seen.mountPoint == m.mountPoint)
        }
        // GNU df's filter_mount_list: one entry per device (st_dev of the mount point).
        var chosen: [(entry: MountInfo.Mount, dev: UInt64?)] = []
        for m in mounts {
            var st = Glibc_stat_t()
            // Entries not examined keep the device number mountinfo gives (gnulib's me_dev).
            let ownDev = makeDev(UInt64(m.major), UInt64(m.minor))
            if all || (dummyTypes.contains(m.fsType)) || !typeWanted(m.fsType) || stat(m.mountPoint, &st) != 0 {
                chosen.append((m, all ? nil : ownDev)); continue
            }
            let dev = UInt64(st.st_dev)
            if let k = chosen.lastIndex(where: { $0.dev == dev }) {
                let seen = chosen[k].entry
                if remote(m) && remote(seen) && seen.source != m.source {
                    // GNU keeps remote entries with different locations
                    chosen.append((m, dev)); continue
                }
                if replaces(m, seen) { chosen[k].entry = m }
                continue
            }
            chosen.append((m, dev))
        }
        // With -a, GNU df shows `-` for an entry whose mount point now shows
        // another file system (get_dev's over-mount check): the entry that
        // filter_mount_list keeps for the device its mount point stats to
        // names a different source (unless both are remote). Its statfs
        // would describe the mount on top. The kept entry follows the same
        // rules as the de-duplication above; an entry not stat'ed (a type
        // not selected, or stat failing) takes its own device's slot.
        var topByDev: [UInt64: Int] = [:], mountDev: [UInt64?] = []
        if all {
            for (i, m) in mounts.enumerated() {
                var st = Glibc_stat_t()
                guard typeWanted(m.fsType), stat(m.mountPoint, &st) == 0 else {
                    mountDev.append(nil)
                    topByDev[makeDev(UInt64(m.major), UInt64(m.minor))] = i
                    continue
                }
                let dev = UInt64(st.st_dev)
                mountDev.append(dev)
                if let k = topByDev[dev] {
                    let seen = mounts[k]
                    if (remote(m) && remote(seen) && seen.source != m.source) || replaces(m, seen) { topByDev[dev] = i }
                } else {
                    topByDev[dev] = i
                }
            }
        }
        for (ci, (m, _)) in chosen.enumerated() {
            if (!all && dummyTypes.contains(m.fsType)) || !typeWanted(m.fsType) { continue }
            if all, let dev = mountDev[ci], let t = topByDev[dev], mounts[t].source != m.source, !(remote(mounts[t]) && remote(m)) {
                var x = m; x.fsType = "-"; rows.append((x, nil)); continue
            }
            var s = statfs()
            if statfs(m.mountPoint, &s) != 0 {
                let e = Errno.current
                if e == .permissionDenied || e == .noSuchFile {
                    if all { var x = m; x.fsType = "-"; rows.append((x, nil)) }
                    continue
                }
                ctx.out.flush(); ctx.warn("\(m.mountPoint): \(e.description)")
                continue
            }
            let f = DfFigures(s)!
            if f.blocks == 0 && !all { continue }
            rows.append((m, f))
        }
    } else {
        let session = FileSession(ctx, verbose: p.has("verbose"))
        for op in p.operands {
            guard let opened = openReporting(ctx, session.opener, op) else { continue }
            defer { opened.fd.close() }
            var s = statfs()
            guard let st = try? opened.fd.stat(), fstatfs(opened.fd.rawValue, &s) == 0 else {
                ctx.out.flush(); ctx.warn("\(op): \(Errno.current.description)"); continue
            }
            // The mount table of the namespace the file lives in.
            let table = (try? readWholeFile(ctx.procfs.path(opened.root?.pid, "mountinfo"))) ?? []
            let mounts = table.withUnsafeBufferPointer { MountInfo.parse($0).mounts }
            let dev = UInt64(st.st_dev)
            let major = UInt32(devMajor(dev)), minor = UInt32(devMinor(dev))
            // The canonical path inside the file's root (or this process's tree).
            let inner = opened.inner
            let candidates = mounts.filter { $0.major == major && $0.minor == minor }
            func covers(_ m: MountInfo.Mount) -> Bool {
                m.mountPoint == "/" || inner == m.mountPoint || inner.hasPrefix(m.mountPoint + "/")
            }
            let best = candidates.filter(covers).max { $0.mountPoint.utf8.count < $1.mountPoint.utf8.count } ?? candidates.last
            var m = best ?? MountInfo.Mount.empty
            if best == nil { m.source = "-"; m.fsType = "-"; m.mountPoint = op }
            rows.append((m, DfFigures(s)))
        }
    }

    // The table: header, then one line per row, columns as wide as their widest cell.
    var header: [String] = ["Filesystem"]
    if showType { header.append("Type") }
    if inodes { header += ["Inodes", "IUsed", "IFree", "IUse%"] }
    else if human { header += ["Size", "Used", "Avail", "Use%"] }
    else { header += [posix ? "1024-blocks" : "1K-blocks", "Used", posix ? "Available" : "Available", posix ? "Capacity" : "Use%"] }
    header.append("Mounted on")
    var minWidths = [14]
    if showType { minWidths.append(4) }
    minWidths += inodes ? [5, 5, 5, 5] : [5, 5, 5, 4]
    minWidths.append(0)
    let leftAligned: Set<Int> = showType ? [0, 1, header.count - 1] : [0, header.count - 1]

    func percent(_ used: UInt64, _ avail: UInt64) -> String {
        let total = Double(used) + Double(avail)
        guard total > 0 else { return "-" }
        let pct = Double(used) * 100 / total
        let whole = Double(Int64(pct))
        return "\(Int64(whole + (whole < pct ? 1 : 0)))%"
    }
    var table: [[String]] = [header]
    for (m, f) in rows {
        var r = [m.source]
        if showType { r.append(m.fsType) }
        if let f {
            if inodes {
                let used = f.files >= f.ffree ? f.files - f.ffree : 0
                func n(_ v: UInt64) -> String { human ? humanCeiling(v) : String(v) }
                r += [n(f.files), n(used), n(f.ffree), percent(used, f.ffree)]
            } else {
                let used = f.blocks >= f.bfree ? f.blocks - f.bfree : 0
                func n(_ v: UInt64) -> String { human ? humanCeiling(v &* f.frsize) : String(ceilDiv(v &* f.frsize, 1024)) }
                r += [n(f.blocks), n(used), n(f.bavail), percent(used, f.bavail)]
            }
        } else {
            r += ["-", "-", "-", "-"]
        }
        r.append(m.mountPoint)
        table.append(r)
    }
    if rows.isEmpty {
        if p.operands.isEmpty { throw ToolError.failure("no file systems processed") }
        return ExitCode.failure
    }
    var widths = minWidths
    for r in table { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.utf8.count) } }
    let out = ctx.out
    for r in table {
        for (i, c) in r.enumerated() {
            if i > 0 { out.byte(ASCII.space) }
            if i == r.count - 1 { out.write(c) }
            else { out.padded(c, width: widths[i], leftAlign: leftAligned.contains(i)) }
        }
        out.byte(ASCII.newline)
    }
    return ExitCode.success
}

/// makedev(3) (glibc's encoding; the inverse of devMajor/devMinor).
func makeDev(_ major: UInt64, _ minor: UInt64) -> UInt64 {
    ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
}

/// Opens a FILE operand (O_PATH); a failure is reported as `FILE: Strerror`.
func openReporting(_ ctx: Context, _ opener: PathOpener, _ op: String) -> OpenedPath? {
    do { return try opener.open(op, flags: O_PATH) } catch {
        ctx.out.flush()
        ctx.warn("\(op): \(error.errno.description)")
        return nil
    }
}
