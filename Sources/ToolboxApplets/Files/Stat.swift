import ToolboxCore

let statApplet = Applet(spec: AppletSpec(
    name: "stat",
    summary: "Show file status in GNU stat's default format; paths through /proc/PID/root are resolved inside that container",
    usage: ["[-L] [--json] [--verbose] FILE..."],
    details: """
    The output is GNU stat's default format (coreutils 9), with Birth from statx(2).
    Under /proc/PID/root user and group names come from the container's own
    /etc/passwd and /etc/group (UNKNOWN when absent, as GNU stat).
    """,
    options: [
        .flag("L", "dereference", "follow symbolic links"),
        .flag(nil, "json", "one JSON array: an object per FILE with every field shown (docs/json.md)"),
        verboseOption,
    ]), run: runStat)

@Sendable
func runStat(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try statApplet.spec.parse(args)
    if p.operands.isEmpty { throw statApplet.spec.usageError("missing operand") }
    let session = FileSession(ctx, verbose: p.has("verbose"))
    let follow = p.has("dereference")
    let tty = ctx.out.isTerminal
    let json = p.has("json") ? JSONTable(ctx.out) : nil
    defer { json?.finish() }
    for op in p.operands {
        if ctx.out.isBroken { break }
        guard let opened = session.open(op, flags: O_PATH | (follow ? 0 : O_NOFOLLOW),
                                        gnu: { "cannot statx '\($0)': \($1.message)" }) else { continue }
        defer { opened.fd.close() }
        var sx = cshim_statx()
        if cshim_statx(opened.fd.rawValue, "", CSHIM_AT_EMPTY_PATH | CSHIM_AT_SYMLINK_NOFOLLOW,
                       CSHIM_STATX_BASIC_STATS | CSHIM_STATX_BTIME, &sx) != 0 {
            let e = Errno.current
            guard e == .noSyscall, let st = try? opened.fd.stat() else { ctx.warn("\(op): \(e.message)"); continue }
            sx = statxFromStat(st)
        }
        let names = session.idNames(opened.root)
        let mode = UInt32(sx.stx_mode)
        // GNU stat 9.1's default format prints the names unquoted.
        var fileLine = op, target: String?
        if mode & S_IFMT == S_IFLNK, let t = try? session.opener.readLink(opened, subject: op) {
            fileLine += " -> " + t; target = t
        }
        if let json { statJSONRow(json, path: op, target: target, sx, names); continue }
        let o = ctx.out
        o.write("  File: ")
        // On a terminal, control characters as `?` (names and link targets
        // come from the container), as ls and find print them.
        Array(fileLine.utf8).withUnsafeBufferPointer { writeName(o, $0, sanitize: tty) }
        o.byte(ASCII.newline)
        o.write("  Size: "); o.padded(String(sx.stx_size), width: 10)
        o.write("\tBlocks: "); o.padded(String(sx.stx_blocks), width: 10)
        o.write(" IO Block: "); o.padded(String(sx.stx_blksize), width: 6)
        o.write(" "); o.line(fileTypeName(mode, size: sx.stx_size))
        o.write("Device: \(sx.stx_dev_major),\(sx.stx_dev_minor)\tInode: "); o.padded(String(sx.stx_ino), width: 11)
        o.write(" Links: ")
        if mode & S_IFMT == S_IFCHR || mode & S_IFMT == S_IFBLK {
            o.padded(String(sx.stx_nlink), width: 5)
            o.write(" Device type: \(sx.stx_rdev_major),\(sx.stx_rdev_minor)")
        } else {
            o.write(String(sx.stx_nlink))
        }
        o.byte(ASCII.newline)
        var perm = String(mode & 0o7777, radix: 8)
        while perm.count < 4 { perm = "0" + perm }
        o.write("Access: (\(perm)/"); o.write(modeString(mode)); o.write(")  Uid: (")
        o.padded(String(sx.stx_uid), width: 5, leftAlign: false); o.write("/")
        o.padded(names.users.name(sx.stx_uid) ?? "UNKNOWN", width: 8, leftAlign: false); o.write(")   Gid: (")
        o.padded(String(sx.stx_gid), width: 5, leftAlign: false); o.write("/")
        o.padded(names.groups.name(sx.stx_gid) ?? "UNKNOWN", width: 8, leftAlign: false); o.line(")")
        o.line("Access: " + statTimestamp(seconds: sx.stx_atime.tv_sec, nanoseconds: Int(sx.stx_atime.tv_nsec)))
        o.line("Modify: " + statTimestamp(seconds: sx.stx_mtime.tv_sec, nanoseconds: Int(sx.stx_mtime.tv_nsec)))
        o.line("Change: " + statTimestamp(seconds: sx.stx_ctime.tv_sec, nanoseconds: Int(sx.stx_ctime.tv_nsec)))
        if sx.stx_mask & CSHIM_STATX_BTIME != 0 {
            o.line(" Birth: " + statTimestamp(seconds: sx.stx_btime.tv_sec, nanoseconds: Int(sx.stx_btime.tv_nsec)))
        } else {
            o.line(" Birth: -")
        }
    }
    return ExitCode.success
}

/// GNU stat's %F.
func fileTypeName(_ mode: UInt32, size: UInt64) -> String {
    switch mode & S_IFMT {
    case S_IFREG: return size == 0 ? "regular empty file" : "regular file"
    case S_IFDIR: return "directory"
    case S_IFLNK: return "symbolic link"
    case S_IFIFO: return "fifo"
    case S_IFSOCK: return "socket"
    case S_IFCHR: return "character special file"
    case S_IFBLK: return "block special file"
    default: return "weird file"
    }
}

/// A statx record from fstat(2), for kernels before 4.11 (no birth time).
func statxFromStat(_ st: Glibc_stat_t) -> cshim_statx {
    var sx = cshim_statx()
    sx.stx_mask = CSHIM_STATX_BASIC_STATS
    sx.stx_mode = UInt16(truncatingIfNeeded: st.st_mode)
    sx.stx_size = UInt64(st.st_size); sx.stx_blocks = UInt64(st.st_blocks); sx.stx_blksize = UInt32(st.st_blksize)
    let dev = UInt64(st.st_dev), rdev = UInt64(st.st_rdev)
    sx.stx_dev_major = UInt32(devMajor(dev)); sx.stx_dev_minor = UInt32(devMinor(dev))
    sx.stx_rdev_major = UInt32(devMajor(rdev)); sx.stx_rdev_minor = UInt32(devMinor(rdev))
    sx.stx_ino = UInt64(st.st_ino); sx.stx_nlink = UInt32(st.st_nlink); sx.stx_uid = st.st_uid; sx.stx_gid = st.st_gid
    sx.stx_atime.tv_sec = Int64(st.st_atim.tv_sec); sx.stx_atime.tv_nsec = UInt32(st.st_atim.tv_nsec)
    sx.stx_mtime.tv_sec = Int64(st.st_mtim.tv_sec); sx.stx_mtime.tv_nsec = UInt32(st.st_mtim.tv_nsec)
    sx.stx_ctime.tv_sec = Int64(st.st_ctim.tv_sec); sx.stx_ctime.tv_nsec = UInt32(st.st_ctim.tv_nsec)
    return sx
}
