import ToolboxCore

let statApplet = Applet(spec: AppletSpec(
    name: "stat",
    summary: "Show file or file system status as GNU stat does; paths through /proc/PID/root are resolved inside that container",
    usage: ["[-Lft] [-c FORMAT | --printf=FORMAT] [--json] [--verbose] FILE..."],
    details: """
    The default output is GNU stat's (coreutils 9), with Birth from statx(2).
    FORMAT takes GNU's directives with printf flags, width and precision
    (%-10s, %.3Y, %#o). Files: %a %A %b %B %C %d %D %Hd %Ld %f %F %g %G %h %i
    %m %n %N %o %r %R %Hr %Lr %s %t %T %u %U %w %W %x %X %y %Y %z %Z.
    File systems (-f): %a %b %c %d %f %i %l %n %s %S %t %T. --printf
    interprets backslash escapes (\\n \\t \\0NNN \\xHH ...); -c ends each
    file's output with a newline. %N quotes as GNU's shell-escape-always
    style in the C locale. FILE - is standard input.
    Under /proc/PID/root user and group names come from the container's own
    /etc/passwd and /etc/group (UNKNOWN when absent, as GNU stat).
    """,
    options: [
        .flag("L", "dereference", "follow symbolic links"),
        .flag("f", "file-system", "display file system status instead of file status"),
        .value("c", "format", "FORMAT", "use FORMAT instead of the default; a newline follows each file"),
        .value(nil, "printf", "FORMAT", "like --format, but interpret backslash escapes and add no newline"),
        .flag("t", "terse", "print the information in terse form"),
        .flag(nil, "json", "one JSON array: an object per FILE with every field shown (docs/json.md)"),
        verboseOption,
    ]), run: runStat)

private let fileFormatHead = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n"
private let fileFormatTail = "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n Birth: %w\n"

/// GNU stat's default_format(): the layout for files (devices get a
/// `Device type` column), file systems, and their terse forms.
private func defaultStatFormat(fileSystem: Bool, terse: Bool, device: Bool) -> String {
    if fileSystem {
        return terse ? "%n %i %l %t %s %S %b %f %a %c %d\n"
            : "  File: \"%n\"\n    ID: %-8i Namelen: %-7l Type: %T\nBlock size: %-10s Fundamental block size: %S\n"
            + "Blocks: Total: %-10b Free: %-10f Available: %a\nInodes: Total: %-10c Free: %d\n"
    }
    if terse { return "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n" }
    return fileFormatHead + (device ? "Device: %Hd,%Ld\tInode: %-10i  Links: %-5h Device type: %Hr,%Lr\n"
                                     : "Device: %Hd,%Ld\tInode: %-10i  Links: %h\n") + fileFormatTail
}

/// quoteaf(): how GNU quotes a file name in messages and %N.
func quoteFileName(_ s: String) -> String { String(decoding: shellEscapeAlwaysQuoted(Array(s.utf8)), as: UTF8.self) }

@Sendable
func runStat(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try statApplet.spec.parse(args)
    if p.operands.isEmpty { throw statApplet.spec.usageError("missing operand") }
    var userFormat: [UInt8]? = nil
    var escapes = false
    for o in p.occurrences where o.key == "format" || o.key == "printf" {
        userFormat = Array(o.value!.utf8); escapes = o.key == "printf"
    }
    let fileSystem = p.has("file-system")
    let terse = p.has("terse")
    let pieces: [StatFormatPiece], devicePieces: [StatFormatPiece]
    if let userFormat {
        pieces = parseStatFormat(userFormat, escapes: escapes, fileSystem: fileSystem)
        devicePieces = pieces
    } else {
        pieces = parseStatFormat(Array(defaultStatFormat(fileSystem: fileSystem, terse: terse, device: false).utf8), escapes: false, fileSystem: fileSystem)
        devicePieces = parseStatFormat(Array(defaultStatFormat(fileSystem: fileSystem, terse: terse, device: true).utf8), escapes: false, fileSystem: fileSystem)
    }
    if p.has("json") && (fileSystem || terse || userFormat != nil) {
        throw ToolError.usage("--json cannot be combined with -f, -t, -c or --printf")
    }
    let printer = StatPrinter(ctx: ctx, session: FileSession(ctx, verbose: p.has("verbose")),
                              follow: p.has("dereference"),
                              // GNU sets the quoting style only when the format contains "%N" as such.
                              quoteNames: userFormat.map { containsDirectiveN($0) } ?? false,
                              trailer: userFormat != nil && !escapes ? [ASCII.newline] : [])
    if p.has("json") { printer.json = JSONTable(ctx.out) }
    defer { printer.json?.finish() }
    for op in p.operands {
        if ctx.out.isBroken { break }
        let ok = fileSystem ? printer.fileSystem(op, pieces) : printer.file(op, pieces, devicePieces)
        if !ok { return ExitCode.failure }   // an invalid directive ends the run, as GNU's
    }
    return ExitCode.success
}

private func containsDirectiveN(_ f: [UInt8]) -> Bool {
    f.indices.dropLast().contains { f[$0] == 0x25 && f[$0 + 1] == 0x4E }
}

/// Prints one file or file system through a parsed format.
private final class StatPrinter {
    let ctx: Context
    let session: FileSession
    let follow: Bool
    /// %N in a user format quotes (GNU's shell-escape-always); the default layout does not.
    let quoteNames: Bool
    let trailer: [UInt8]
    let tty: Bool
    /// --json: the files' rows (FileJSON.swift).
    var json: JSONTable?

    init(ctx: Context, session: FileSession, follow: Bool, quoteNames: Bool, trailer: [UInt8]) {
        self.ctx = ctx; self.session = session; self.follow = follow
        self.quoteNames = quoteNames; self.trailer = trailer
        tty = ctx.out.isTerminal
    }

    /// Writes `pieces`, asking `directive` for each directive's fields.
    /// False after an invalid directive (reported).
    func render(_ pieces: [StatFormatPiece], _ directive: (StatDirective) -> Void) -> Bool {
        for piece in pieces {
            switch piece {
            case .literal(let b): ctx.out.write(b)
            case .directive(let d): directive(d)
            case .warning(let m): ctx.out.flush(); ctx.note(m)
            case .invalid(let m): ctx.out.flush(); ctx.warn(m); return false
            }
        }
        ctx.out.write(trailer)
        return true
    }

    func emit(_ f: PrintfField) {
        let o = ctx.out
        func spaces(_ n: Int, _ b: UInt8) {
            var n = n
            while n > 0 && !o.isBroken { let k = min(n, 1 << 16); o.repeatByte(b, k); o.write([UInt8]()); n -= k }
        }
        spaces(f.leading, ASCII.space)
        o.write(f.head)
        spaces(f.zeros, ASCII.zero)
        o.write(f.body)
        spaces(f.trailing, ASCII.space)
    }

    /// A string directive; names from the container are made safe on a terminal.
    func string(_ d: StatDirective, _ s: [UInt8], name: Bool = false) {
        var f = printfString(d.prefix, s)
        if name && tty { f.body = terminalSafe(f.body) }
        emit(f)
    }

    func number(_ d: StatDirective, _ v: UInt64, _ c: PrintfConversion) { emit(printfInteger(d.prefix[...], v, as: c)) }
    func signed(_ d: StatDirective, _ v: Int64) { emit(printfInteger(d.prefix[...], v.magnitude, negative: v < 0, as: .signed)) }
    func epoch(_ d: StatDirective, _ t: cshim_statx_timestamp) {
        for f in printfEpoch(d.prefix, seconds: t.tv_sec, nanoseconds: Int(t.tv_nsec)) { emit(f) }
    }

    // MARK: files

    func file(_ op: String, _ pieces: [StatFormatPiece], _ devicePieces: [StatFormatPiece]) -> Bool {
        var opened: OpenedPath? = nil
        let fd: FileDescriptor
        if op == "-" { fd = .standardInput } else {
            guard let o = session.open(op, flags: O_PATH | (follow ? 0 : O_NOFOLLOW),
                                       gnu: { "cannot statx \(quoteFileName($0)): \($1.message)" }) else { return true }
            opened = o; fd = o.fd
        }
        defer { opened?.fd.close() }
        var sx = cshim_statx()
        if cshim_statx(fd.rawValue, "", CSHIM_AT_EMPTY_PATH | CSHIM_AT_SYMLINK_NOFOLLOW,
                       CSHIM_STATX_BASIC_STATS | CSHIM_STATX_BTIME, &sx) != 0 {
            let e = Errno.current
            guard e == .noSyscall, let st = try? fd.stat() else {
                ctx.out.flush()
                ctx.warn(op == "-" ? "cannot stat standard input: \(e.message)" : "cannot statx \(quoteFileName(op)): \(e.message)")
                return true
            }
            sx = statxFromStat(st)
        }
        let mode = UInt32(sx.stx_mode)
        if let json {
            var target: String? = nil
            if mode & S_IFMT == S_IFLNK, let opened { target = try? session.opener.readLink(opened, subject: op) }
            statJSONRow(json, path: op, target: target, sx, session.idNames(opened?.root))
            return true
        }
        let type = mode & S_IFMT
        let isDevice = type == S_IFCHR || type == S_IFBLK
        var names: (users: IDNames, groups: IDNames)? = nil
        func idNames() -> (users: IDNames, groups: IDNames) {
            if let names { return names }
            let n = session.idNames(opened?.root)
            names = n
            return n
        }
        return render(isDevice ? devicePieces : pieces) { d in
            switch d.conversion {
            case 0x6E: string(d, Array(op.utf8), name: true)                                       // n
            case 0x4E:                                                                               // N
                let q: (String) -> [UInt8] = quoteNames ? { shellEscapeAlwaysQuoted(Array($0.utf8)) } : { Array($0.utf8) }
                string(d, q(op), name: true)
                if type == S_IFLNK, let opened {
                    do throws(PathError) {
                        let t = try session.opener.readLink(opened, subject: op)
                        ctx.out.write(" -> ")
                        string(d, q(t), name: true)
                    } catch {
                        ctx.out.flush()
                        ctx.warn("cannot read symbolic link \(quoteFileName(op)): \(error.errno.message)")
                    }
                }
            case 0x64:                                                                               // d
                let v = d.modifier == 0x48 ? UInt64(sx.stx_dev_major) : d.modifier == 0x4C ? UInt64(sx.stx_dev_minor)
                    : makeDevice(sx.stx_dev_major, sx.stx_dev_minor)
                number(d, v, .unsigned)
            case 0x44: number(d, makeDevice(sx.stx_dev_major, sx.stx_dev_minor), .hex)              // D
            case 0x69: number(d, sx.stx_ino, .unsigned)                                             // i
            case 0x61: number(d, UInt64(mode & 0o7777), .octal)                                     // a
            case 0x41: string(d, modeString(mode))                                                  // A
            case 0x66: number(d, UInt64(mode), .hex)                                                // f
            case 0x46: string(d, Array(fileTypeName(mode, size: sx.stx_size).utf8))                 // F
            case 0x68: number(d, UInt64(sx.stx_nlink), .unsigned)                                   // h
            case 0x75: number(d, UInt64(sx.stx_uid), .unsigned)                                     // u
            case 0x55: string(d, Array((idNames().users.name(sx.stx_uid) ?? "UNKNOWN").utf8))      // U
            case 0x67: number(d, UInt64(sx.stx_gid), .unsigned)                                     // g
            case 0x47: string(d, Array((idNames().groups.name(sx.stx_gid) ?? "UNKNOWN").utf8))     // G
            case 0x6D:                                                                               // m
                let mp = op == "-" ? nil : mountPoint(op, isDirectory: type == S_IFDIR)
                string(d, Array((mp ?? "?").utf8), name: true)
            case 0x73: signed(d, Int64(bitPattern: sx.stx_size))                                   // s
            case 0x72:                                                                               // r
                let v = d.modifier == 0x48 ? UInt64(sx.stx_rdev_major) : d.modifier == 0x4C ? UInt64(sx.stx_rdev_minor)
                    : makeDevice(sx.stx_rdev_major, sx.stx_rdev_minor)
                number(d, v, .unsigned)
            case 0x52: number(d, makeDevice(sx.stx_rdev_major, sx.stx_rdev_minor), .hex)            // R
            case 0x74: number(d, UInt64(sx.stx_rdev_major), .hex)                                   // t
            case 0x54: number(d, UInt64(sx.stx_rdev_minor), .hex)                                   // T
            case 0x42: number(d, 512, .unsigned)                                                    // B
            case 0x62: number(d, sx.stx_blocks, .unsigned)                                          // b
            case 0x6F: number(d, UInt64(sx.stx_blksize), .unsigned)                                 // o
            case 0x77:                                                                               // w
                let known = sx.stx_mask & CSHIM_STATX_BTIME != 0
                string(d, Array((known ? statTimestamp(seconds: sx.stx_btime.tv_sec, nanoseconds: Int(sx.stx_btime.tv_nsec)) : "-").utf8))
            case 0x57: epoch(d, sx.stx_mask & CSHIM_STATX_BTIME != 0 ? sx.stx_btime : cshim_statx_timestamp())  // W
            case 0x78: string(d, Array(statTimestamp(seconds: sx.stx_atime.tv_sec, nanoseconds: Int(sx.stx_atime.tv_nsec)).utf8))
            case 0x58: epoch(d, sx.stx_atime)
            case 0x79: string(d, Array(statTimestamp(seconds: sx.stx_mtime.tv_sec, nanoseconds: Int(sx.stx_mtime.tv_nsec)).utf8))
            case 0x59: epoch(d, sx.stx_mtime)
            case 0x7A: string(d, Array(statTimestamp(seconds: sx.stx_ctime.tv_sec, nanoseconds: Int(sx.stx_ctime.tv_nsec)).utf8))
            case 0x5A: epoch(d, sx.stx_ctime)
            case 0x43:                                                                               // C
                do throws(Errno) {
                    var label = try extendedAttribute(fd, "security.selinux")
                    while label.last == 0 { label.removeLast() }
                    string(d, label)
                } catch {
                    ctx.out.flush()
                    ctx.warn("failed to get security context of \(quoteFileName(op)): \(error.message)")
                    string(d, [0x3F])
                }
            default: ctx.out.byte(0x3F)
            }
        }
    }

    /// %m: the mount point holding `op` (GNU's find_mount_point: from the
    /// directory, or a non-directory's parent, up while `..` is on the same
    /// device), never above a container's root.
    func mountPoint(_ op: String, isDirectory: Bool) -> String? {
        var dir = op
        if !isDirectory {
            if let slash = op.lastIndex(of: "/") {
                dir = String(op[..<slash])
                if dir.isEmpty { dir = "/" }
            } else {
                dir = "."
            }
        }
        guard let r = try? session.opener.canonicalize(dir), var cur = r.fd else { return nil }
        defer { cur.close() }
        var path = r.canonical
        guard var st = try? cur.stat() else { return nil }
        let top = r.root.flatMap { try? $0.fd.stat() }
        while true {
            if let top, top.st_dev == st.st_dev, top.st_ino == st.st_ino { break }
            guard let up = try? FileDescriptor.open("..", O_PATH | O_DIRECTORY, relativeTo: cur) else { return nil }
            guard let ust = try? up.stat() else { up.close(); return nil }
            if ust.st_dev != st.st_dev || ust.st_ino == st.st_ino { up.close(); break }
            cur.close(); cur = up; st = ust
            if let slash = path.lastIndex(of: "/") { path = slash == path.startIndex ? "/" : String(path[..<slash]) }
        }
        return path
    }

    // MARK: file systems

    func fileSystem(_ op: String, _ pieces: [StatFormatPiece]) -> Bool {
        if op == "-" {
            ctx.out.flush()
            ctx.warn("using \(quoteFileName(op)) to denote standard input does not work in file system mode")
            return true
        }
        guard let opened = session.open(op, flags: O_PATH,
                                        gnu: { "cannot read file system information for \(quoteFileName($0)): \($1.message)" })
        else { return true }
        defer { opened.fd.close() }
        let s: cshim_statfs
        do throws(Errno) { s = try fileSystemStatus(opened.fd) } catch {
            ctx.out.flush()
            ctx.warn("cannot read file system information for \(quoteFileName(op)): \(error.message)")
            return true
        }
        return render(pieces) { d in
            switch d.conversion {
            case 0x6E: string(d, Array(op.utf8), name: true)                                    // n
            case 0x69: number(d, UInt64(s.fsid0) << 32 | UInt64(s.fsid1), .hex)                 // i
            case 0x6C: number(d, UInt64(bitPattern: Int64(s.namelen)), .unsigned)              // l
            case 0x74: number(d, UInt64(bitPattern: Int64(s.type)), .hex)                      // t
            case 0x54: string(d, Array(fileSystemTypeName(UInt64(bitPattern: Int64(s.type))).utf8))  // T
            case 0x62: signed(d, Int64(bitPattern: s.blocks))                                  // b
            case 0x66: signed(d, Int64(bitPattern: s.bfree))                                   // f
            case 0x61: signed(d, Int64(bitPattern: s.bavail))                                  // a
            case 0x73: number(d, UInt64(bitPattern: Int64(s.bsize)), .unsigned)                // s
            case 0x53: number(d, UInt64(bitPattern: Int64(s.frsize != 0 ? s.frsize : s.bsize)), .unsigned)  // S
            case 0x63: number(d, s.files, .unsigned)                                           // c
            case 0x64: signed(d, Int64(bitPattern: s.ffree))                                   // d
            default: ctx.out.byte(0x3F)
            }
        }
    }
}

/// makedev(3) of statx's major and minor.
private func makeDevice(_ major: UInt32, _ minor: UInt32) -> UInt64 { makeDev(UInt64(major), UInt64(minor)) }

/// GNU stat's %T names for statfs f_type (coreutils stat.c human_fstype),
/// as one string: `HEXMAGIC name` per line.
private let fileSystemTypes = """
5a3c69f0 aafs
61636673 acfs
adf5 adfs
adff affs
5346414f afs
9041934 anon-inode FS
61756673 aufs
187 autofs
13661366 balloon-kvm-fs
ca451a4e bcachefs
42465331 befs
62646576 bdevfs
1badface bfs
6c6f6f70 binderfs
cafe4a11 bpf_fs
42494e4d binfmt_misc
9123683e btrfs
73727279 btrfs_test
c36400 ceph
27e0eb cgroupfs
63677270 cgroup2fs
ff534d42 cifs
73757245 coda
12ff7b7 coh
62656570 configfs
28cd3d45 cramfs
453dcd28 cramfs-wend
64646178 daxfs
64626720 debugfs
1373 devfs
454d444d devmem
1cd1 devpts
444d4142 dma-buf-fs
f15f ecryptfs
de5e81e4 efivarfs
414a53 efs
e0f5e1e2 erofs
2011bab0 exfat
45584653 exfs
5df5 exofs
137d ext
ef53 ext2/ext3
ef51 ext2
f2f52010 f2fs
4006 fat
19830326 fhgfs
65735546 fuse
65735543 fusectl
bad1dea futexfs
1161970 gfs/gfs2
47504653 gpfs
4244 hfs
482b hfs+
4858 hfsx
c0ffee hostfs
f995e849 hpfs
958458f6 hugetlbfs
11307854 inodefs
13111a8 ibrix
2bad1dea inotifyfs
9660 isofs
4004 isofs
4000 isofs
7c0 jffs
72b6 jffs2
3153464a jfs
6b414653 k-afs
c97e8168 logfs
bd00bd0 lustre
5346314d m1fs
137f minix
138f minix (30 char.)
2468 minix v2
2478 minix v2 (30 char.)
4d5a minix3
19800202 mqueue
4d44 msdos
564c novell
6969 nfs
6e667364 nfsd
3434 nilfs
6e736673 nsfs
5346544e ntfs
9fa1 openprom
7461636f ocfs2
794c7630 overlayfs
aad7aaea panfs
50494446 pidfs
50495045 pipefs
c7571590 ppc-cmm-fs
7c7c6673 prl_fs
9fa0 proc
6165676c pstorefs
2f qnx4
68191122 qnx6
858458f6 ramfs
7655821 rdt
52654973 reiserfs
7275 romfs
67596969 rpc_pipefs
5dca2df5 sdcardfs
5345434d secretmem
73636673 securityfs
f97cff8c selinux
43415d53 smackfs
517b smb
fe534d42 smb2
beefdead snfs
534f434b sockfs
73717368 squashfs
62656572 sysfs
12ff7b6 sysv2
12ff7b5 sysv4
1021994 tmpfs
74726163 tracefs
24051905 ubifs
15013346 udf
11954 ufs
54190100 ufs
9fa2 usbdevfs
1021997 v9fs
786f4256 vboxsf
bacbacbc vmhgfs
a501fcf5 vxfs
565a4653 vzfs
53464846 wslfs
abba1974 xenfs
12ff7b4 xenix
58465342 xfs
12fd16d xia
33 z3fold
2fc12fc1 zfs
5a4f4653 zonefs
58295829 zsmallocfs
"""

/// %T: the file system's name, or `UNKNOWN (0xMAGIC)`.
func fileSystemTypeName(_ magic: UInt64) -> String {
    let hex = String(magic, radix: 16)
    for line in fileSystemTypes.split(separator: "\n") {
        guard let sp = line.firstIndex(of: " ") else { continue }
        if line[..<sp] == hex { return String(line[line.index(after: sp)...]) }
    }
    return "UNKNOWN (0x\(hex))"
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
