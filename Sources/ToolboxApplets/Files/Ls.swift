import ToolboxCore

let lsApplet = Applet(spec: AppletSpec(
    name: "ls",
    summary: "List directory contents like GNU ls; paths through /proc/PID/root are resolved inside that container",
    usage: ["[-laAdRhnitSr1CF] [--verbose] [FILE...]"],
    details: """
    Output is one name per line to a pipe and in columns on a terminal (as GNU ls),
    sorted in the C locale's byte order; names are printed as they are.
    Under /proc/PID/root (and /proc/PID/cwd) symlinks, `..` and magic links stay
    inside the container, owner and group names come from the container's own
    /etc/passwd and /etc/group (numbers when it has none), and a root that needs
    CAP_SYS_PTRACE is opened with the target's uid when cap_setuid and cap_setgid
    allow it. Files are opened with O_NOATIME where permitted.
    """,
    options: [
        .flag("l", nil, "long listing: mode, links, owner, group, size, date, name"),
        .flag("a", "all", "include entries starting with ."),
        .flag("A", "almost-all", "like -a, without . and .."),
        .flag("d", "directory", "list directories themselves, not their contents"),
        .flag("R", "recursive", "list subdirectories recursively"),
        .flag("h", "human-readable", "sizes like 1.5K 12M (with -l)"),
        .flag("n", "numeric-uid-gid", "like -l, with numeric user and group ids"),
        .flag("i", "inode", "print the inode number of each file"),
        .flag("t", nil, "sort by modification time, newest first"),
        .flag("S", nil, "sort by size, largest first"),
        .flag("r", "reverse", "reverse the sort order"),
        .flag("1", nil, "one entry per line (the default when the output is not a terminal)"),
        .flag("C", nil, "entries in columns (the default on a terminal; width from COLUMNS or the terminal)"),
        .flag("F", "classify", "append an indicator: / directory, * executable, @ symlink, | fifo, = socket"),
        .flag(nil, "json", "one JSON array of the entries -l would list (docs/json.md)"),
        verboseOption,
    ]), run: runLs)

/// One listed file. Names and link targets live in the list's byte arena.
struct LsEntry {
    var nameOff: Int32, nameLen: Int32
    var linkOff: Int32 = -1, linkLen: Int32 = 0
    var mode: UInt32 = 0
    var nlink: UInt64 = 0
    var uid: UInt32 = 0, gid: UInt32 = 0
    var size: Int64 = 0, blocks: Int64 = 0
    var mtime: Int64 = 0, mtimeNs: Int32 = 0
    var ino: UInt64 = 0, rdev: UInt64 = 0
    /// The link target's mode, for -F after `->` (0: unknown or dangling).
    var linkMode: UInt32 = 0
    var statOK = false
}

final class LsList {
    var arena: [UInt8] = []
    var entries: [LsEntry] = []

    func add(name: Bytes) -> Int {
        let off = Int32(arena.count)
        arena.append(contentsOf: name)
        entries.append(LsEntry(nameOff: off, nameLen: Int32(name.count)))
        return entries.count - 1
    }
    func add(name: String) -> Int {
        var n = name
        return n.withUTF8 { add(name: $0) }
    }
    func setLink(_ i: Int, _ target: String) {
        entries[i].linkOff = Int32(arena.count)
        entries[i].linkLen = Int32(target.utf8.count)
        arena.append(contentsOf: target.utf8)
    }
    func name(_ i: Int) -> String {
        let e = entries[i]
        return String(decoding: arena[Int(e.nameOff)..<Int(e.nameOff + e.nameLen)], as: UTF8.self)
    }
}

struct LsOptions {
    var long = false, all = false, almostAll = false, directory = false, recursive = false
    var human = false, numeric = false, inode = false, byTime = false, bySize = false
    var reverse = false, classify = false
    /// Columns of this width (GNU's many-per-line format), 0 for one per line.
    var columns = 0
}

@Sendable
func runLs(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try lsApplet.spec.parse(args)
    var o = LsOptions()
    o.numeric = p.has("numeric-uid-gid")
    o.long = p.has("l") || o.numeric
    // -a and -A: the later one wins (GNU ls).
    let dots = p.order.last { $0 == "all" || $0 == "almost-all" }
    o.all = dots == "all"; o.almostAll = dots == "almost-all"
    o.directory = p.has("directory"); o.recursive = p.has("recursive") && !o.directory
    o.human = p.has("human-readable"); o.inode = p.has("inode")
    // GNU: the last of -t/-S wins.
    for key in p.order.reversed() where key == "t" || key == "S" {
        if key == "t" { o.byTime = true } else { o.bySize = true }
        break
    }
    o.reverse = p.has("reverse"); o.classify = p.has("classify")
    // Columns with -C, or on a terminal unless -1 (the last of -1/-C wins).
    let layout = p.order.last(where: { $0 == "1" || $0 == "C" })
    let tty = ctx.out.isTerminal
    if layout == "C" || (layout == nil && tty) {
        var width = 0
        if let c = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), c > 0 { width = c }
        if width == 0 { width = Int(cshim_terminal_width(1)) }
        o.columns = width > 0 ? width : 80
    }
    if p.has("json") { o.long = true; o.columns = 0 }   // what -l reads (stat, link targets)
    let ls = LsRun(ctx, o, FileSession(ctx, verbose: p.has("verbose")))
    if p.has("json") { ls.json = JSONTable(ctx.out) }
    ls.run(p.operands.isEmpty ? ["."] : p.operands)
    ls.json?.finish()
    return ExitCode.success
}

final class LsRun {
    let ctx: Context
    let o: LsOptions
    let session: FileSession
    let out: OutputWriter
    let dates: LsDateFormatter
    let reader = DirectoryReader()
    var printedSomething = false
    var needHeaders = false
    var mode10 = [UInt8](repeating: 0, count: 10)
    /// Control characters in names become `?` on a terminal.
    let tty: Bool
    var nowNs = 0
    /// Directories being listed by -R (see `maxDirectoryNesting`).
    var nesting = 0
    /// --json: every listing's entries go to this one array (FileJSON.swift).
    var json: JSONTable?

    init(_ ctx: Context, _ o: LsOptions, _ s: FileSession) {
        self.ctx = ctx; self.o = o; session = s; out = ctx.out
        tty = ctx.out.isTerminal
        let (sec, ns) = currentTime()
        dates = LsDateFormatter(now: sec); nowNs = ns
    }

    /// Whether entries need lstat (long format, sorting by time/size, -F).
    var needStat: Bool { o.long || o.byTime || o.bySize || o.classify }

    func run(_ operands: [String]) {
        // GNU: command-line symlinks to directories are followed unless -l, -d or -F.
        let follow = !(o.long || o.directory || o.classify)
        let files = LsList()
        var fileRoots: [ConfinedRoot?] = []
        let dirs = LsList()
        var dirFDs: [(FileDescriptor, ConfinedRoot?, String)] = []
        for op in operands {
            // A dangling symlink operand is listed as the link (GNU ls).
            // (GNU exits 2 for an operand it cannot reach; toolbox's
            // convention is 1 for every runtime failure.)
            var found = follow ? try? session.opener.open(op, flags: O_PATH) : nil
            if found == nil {
                found = session.open(op, flags: O_PATH | O_NOFOLLOW, gnu: { "cannot access '\($0)': \($1.message)" })
            }
            guard var opened = found else { continue }
            if !o.directory && opened.isProcessRootLink {   // ls -l /proc/PID/root: the container's root
                opened.fd.close()
                guard let dir = session.open(op, flags: O_PATH) else { continue }
                opened = dir
            }
            let st: Glibc_stat_t
            do { st = try opened.fd.stat() } catch {
                ctx.warn("\(op): \(error.message)"); opened.fd.close(); continue
            }
            if st.st_mode & S_IFMT == S_IFDIR && !o.directory {
                let i = dirs.add(name: op)
                fill(&dirs.entries[i], st)
                let inner = opened.root != nil ? opened.inner : op
                dirFDs.append((opened.fd, opened.root, inner))
                continue
            }
            let i = files.add(name: op)
            fill(&files.entries[i], st)
            if st.st_mode & S_IFMT == S_IFLNK && o.long {
                if let t = linkTarget(opened, op) {
                    files.setLink(i, t)
                    if o.classify {
                        if let tfd = session.opener.openIfPossible(op) {
                            if let tst = try? tfd.stat() { files.entries[i].linkMode = tst.st_mode }
                            tfd.close()
                        }
                    }
                }
            }
            fileRoots.append(opened.root)
            opened.fd.close()
        }
        needHeaders = json == nil && (operands.count > 1 || o.recursive)
        if !files.entries.isEmpty {
            let order = sorted(files)
            // Names for the file operands: of the first operand's root (they rarely mix).
            let names = session.idNames(fileRoots.first ?? nil)
            emit(files, order, names: names, total: false, widthAlso: dirs.entries)
            printedSomething = true
        }
        let dirOrder = sorted(dirs)
        for i in dirOrder {
            let (fd, root, inner) = dirFDs[i]
            let display = dirs.name(i)
            let dirFD: FileDescriptor
            do {
                dirFD = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                    try FileDescriptor.open(".", f, relativeTo: fd)
                }
            } catch {
                // A /proc/PID directory refused by the ptrace check (fdinfo/):
                // the opener reads it with the owner's borrowed identity.
                guard error.isPermission, let again = session.open(display, flags: O_RDONLY | O_DIRECTORY | O_NOATIME) else {
                    if !error.isPermission { ctx.warn("\(display): \(error.message)") }
                    continue
                }
                dirFD = again.fd
            }
            listDirectory(display, dirFD, root: root, inner: inner)
            dirFD.close()
            if out.isBroken { break }
        }
        for d in dirFDs { d.0.close() }
    }

    func fill(_ e: inout LsEntry, _ st: Glibc_stat_t) {
        e.mode = st.st_mode; e.nlink = UInt64(st.st_nlink); e.uid = st.st_uid; e.gid = st.st_gid
        e.size = Int64(st.st_size); e.blocks = Int64(st.st_blocks)
        e.mtime = Int64(st.st_mtim.tv_sec); e.mtimeNs = Int32(st.st_mtim.tv_nsec)
        e.ino = UInt64(st.st_ino); e.rdev = UInt64(st.st_rdev); e.statOK = true
    }

    /// Lists the open directory `dirFD`. `inner` is its path inside `root`
    /// (to resolve relative link targets for -F), or its plain path.
    func listDirectory(_ display: String, _ dirFD: FileDescriptor, root: ConfinedRoot?, inner: String) {
        let list = LsList()
        var dtypes: [UInt8] = []
        let showHidden = o.all || o.almostAll
        do {
            try reader.forEach(dirFD, includeDots: o.all) { name, _, type, ino in
                if !showHidden && name[0] == 0x2E { return true }
                let i = list.add(name: name)
                list.entries[i].ino = ino
                dtypes.append(type)
                return true
            }
        } catch {
            ctx.out.flush()
            ctx.warn("\(display): \(error.message)")
            return
        }
        // At the container's root, `..` is the root itself (as inside the container).
        var dirIsRoot = false
        if o.all, let root, let a = try? dirFD.stat(), let b = try? root.fd.stat() {
            dirIsRoot = a.st_dev == b.st_dev && a.st_ino == b.st_ino
        }
        if needStat {
            var borrowed = BorrowedLinks()
            var st = Glibc_stat_t()
            var cname = [CChar](repeating: 0, count: 4097)
            for i in list.entries.indices {
                let e = list.entries[i]
                let len = Int(e.nameLen)
                if len >= cname.count { cname = [CChar](repeating: 0, count: len + 1) }
                list.arena.withUnsafeBufferPointer { a in
                    cname.withUnsafeMutableBufferPointer { c in
                        UnsafeMutableRawPointer(c.baseAddress!).copyMemory(from: a.baseAddress! + Int(e.nameOff), byteCount: len)
                        c[len] = 0
                    }
                }
                let isDotDot = len == 2 && cname[0] == 0x2E && cname[1] == 0x2E
                let r: Int32 = (isDotDot && dirIsRoot) ? fstatat(dirFD.rawValue, ".", &st, AT_SYMLINK_NOFOLLOW)
                    : fstatat(dirFD.rawValue, cname, &st, AT_SYMLINK_NOFOLLOW)
                if r != 0 {
                    let err = Errno.current
                    if err.isVanished && !(e.nameLen <= 2) { list.entries[i].statOK = false; list.entries[i].mode = DirentType.mode(dtypes[i]); continue }
                    out.flush()
                    ctx.warn("\(joinPath(display, list.name(i))): \(err.message)")
                    list.entries[i].mode = DirentType.mode(dtypes[i])
                    continue
                }
                fill(&list.entries[i], st)
                if st.st_mode & S_IFMT == S_IFLNK && o.long {
                    if let t = linkTarget(list.name(i), in: dirFD, display, &borrowed) {
                        list.setLink(i, t)
                        if o.classify { list.entries[i].linkMode = linkTargetMode(t, dirFD: dirFD, root: root, inner: inner) }
                    }
                }
            }
        } else {
            for i in list.entries.indices { list.entries[i].mode = DirentType.mode(dtypes[i]) }
        }
        let order = sorted(list)
        if needHeaders {
            if printedSomething { out.byte(ASCII.newline) }
            display.utf8CString.withUnsafeBufferPointer { c in
                c.withMemoryRebound(to: UInt8.self) { writeName(out, Bytes(rebasing: $0.dropLast()), sanitize: tty) }
            }
            out.write(":\n")
        }
        printedSomething = true
        let names = session.idNames(root)
        emit(list, order, names: names, total: o.long, dir: display)
        if o.recursive {
            for i in order {
                let e = list.entries[i]
                guard e.mode & S_IFMT == S_IFDIR else { continue }
                let name = list.name(i)
                if name == "." || name == ".." { continue }
                if out.isBroken { return }
                if nesting + 1 >= maxDirectoryNesting {
                    out.flush(); ctx.warn(nestingTooDeep(joinPath(display, name))); continue
                }
                let sub: FileDescriptor
                do {
                    sub = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
                        try FileDescriptor.open(name, f, relativeTo: dirFD)
                    }
                } catch {
                    out.flush(); ctx.warn("\(joinPath(display, name)): \(error.message)"); continue
                }
                nesting += 1
                listDirectory(joinPath(display, name), sub, root: root,
                              inner: joinPath(inner, name))
                nesting -= 1
                sub.close()
            }
        }
    }

    /// Link targets of a procfs directory (`/proc/PID/fd`, `/proc/PID`)
    /// whose readlink the ptrace check refused: read once per directory
    /// with the owner's borrowed identity (PathOpener.linksOfProcDirectory).
    struct BorrowedLinks { var links: [String: String]? = nil; var failed = false }

    /// The target of symlink `name` in `dirFD`; nil (reported, exit status
    /// 1: never a listing without its targets and status 0) when unreadable.
    func linkTarget(_ name: String, in dirFD: FileDescriptor, _ display: String, _ b: inout BorrowedLinks) -> String? {
        let refused: Errno
        do { return try readLink(name, relativeTo: dirFD) } catch { refused = error }
        if refused.isPermission && b.links == nil && !b.failed {
            do { b.links = try session.opener.linksOfProcDirectory(dirFD, subject: display, refused: refused) } catch {
                b.failed = true
                out.flush(); ctx.warn(error.message)
                return nil
            }
        }
        if let t = b.links?[name] { return t }
        if !b.failed { out.flush(); ctx.warn("cannot read symbolic link '\(joinPath(display, name))': \(refused.message)") }
        return nil
    }

    /// The target of the symlink operand `opened` (see `linkTarget`).
    func linkTarget(_ opened: OpenedPath, _ op: String) -> String? {
        do { return try session.opener.readLink(opened, subject: op) } catch {
            out.flush(); ctx.warn(error.detail != nil ? error.message : "cannot read symbolic link '\(op)': \(error.errno.message)")
            return nil
        }
    }

    /// The mode of a symlink's target, resolved inside the container root
    /// when there is one (0 when it cannot be resolved).
    func linkTargetMode(_ target: String, dirFD: FileDescriptor, root: ConfinedRoot?, inner: String) -> UInt32 {
        if let root {
            let path = target.hasPrefix("/") ? target : joinPath(inner, target)
            guard let fd = try? openInRoot(root.fd, path, flags: O_PATH) else { return 0 }
            defer { fd.close() }
            return (try? fd.stat())?.st_mode ?? 0
        }
        guard let st = try? fileStatus(target.hasPrefix("/") ? target : joinPath(inner, target)) else { return 0 }
        return st.st_mode
    }

    func sorted(_ list: LsList) -> [Int] {
        var order = Array(list.entries.indices)
        let byTime = o.byTime, bySize = o.bySize, reverse = o.reverse
        list.arena.withUnsafeBufferPointer { arena in
            let entries = list.entries
            func nameLess(_ a: LsEntry, _ b: LsEntry) -> Bool {
                let c = memcmp(arena.baseAddress! + Int(a.nameOff), arena.baseAddress! + Int(b.nameOff), Int(min(a.nameLen, b.nameLen)))
                return c != 0 ? c < 0 : a.nameLen < b.nameLen
            }
            func less(_ a: LsEntry, _ b: LsEntry) -> Bool {
                if byTime {
                    if a.mtime != b.mtime { return a.mtime > b.mtime }
                    if a.mtimeNs != b.mtimeNs { return a.mtimeNs > b.mtimeNs }
                } else if bySize {
                    if a.size != b.size { return a.size > b.size }
                }
                return nameLess(a, b)
            }
            order.sort { x, y in reverse ? less(entries[y], entries[x]) : less(entries[x], entries[y]) }
        }
        return order
    }

    func emit(_ list: LsList, _ order: [Int], names: (users: IDNames, groups: IDNames), total: Bool, widthAlso: [LsEntry] = [], dir: String? = nil) {
        if let json { emitJSON(json, list, order, names: names, dir: dir); return }
        let e = list.entries
        var inoW = 0
        if o.inode { for i in order { inoW = max(inoW, digits(e[i].ino)) } }
        if !o.long && o.columns > 0 {
            printColumns(list, order, inodeWidth: inoW)
            return
        }
        if !o.long {
            list.arena.withUnsafeBufferPointer { arena in
                for i in order {
                    if o.inode { out.decimal(e[i].ino, width: inoW); out.byte(ASCII.space) }
                    writeName(out, Bytes(rebasing: arena[Int(e[i].nameOff)..<Int(e[i].nameOff + e[i].nameLen)]), sanitize: tty)
                    if o.classify, let c = indicator(e[i].mode, link: true) { out.byte(c) }
                    out.byte(ASCII.newline)
                    if out.isBroken { return }
                }
            }
            return
        }
        // Column widths, as GNU ls computes them over the whole listing.
        var linkW = 0, userW = 0, groupW = 0, sizeW = 0, majorW = 0, minorW = 0
        var blocks: UInt64 = 0
        var userCache: [UInt32: [UInt8]] = [:], groupCache: [UInt32: [UInt8]] = [:]
        func label(_ id: UInt32, _ n: IDNames, _ cache: inout [UInt32: [UInt8]]) -> [UInt8] {
            if let c = cache[id] { return c }
            let s: [UInt8] = o.numeric ? Array(String(id).utf8) : Array((n.name(id) ?? String(id)).utf8)
            cache[id] = s
            return s
        }
        var sizes: [String] = []
        if o.human { sizes.reserveCapacity(order.count) }
        // GNU sizes the columns of the command-line files together with the
        // directory operands (they share one table before being split).
        for x in order.map({ e[$0] }) + widthAlso {
            blocks &+= UInt64(max(0, x.blocks))
            linkW = max(linkW, digits(x.nlink))
            userW = max(userW, label(x.uid, names.users, &userCache).count)
            groupW = max(groupW, label(x.gid, names.groups, &groupCache).count)
            let t = x.mode & S_IFMT
            if t == S_IFCHR || t == S_IFBLK {
                majorW = max(majorW, digits(devMajor(x.rdev))); minorW = max(minorW, digits(devMinor(x.rdev)))
            } else if o.human {
                let h = humanSize(UInt64(max(0, x.size)))
                sizeW = max(sizeW, h.utf8.count)
            } else {
                sizeW = max(sizeW, digits(UInt64(max(0, x.size))))
            }
        }
        if majorW > 0 { sizeW = max(sizeW, majorW + 2 + minorW) }
        if total {
            out.write("total ")
            if o.human { out.write(humanSize(blocks, unit: 512)) } else { out.decimal((blocks + 1) / 2) }
            out.byte(ASCII.newline)
        }
        list.arena.withUnsafeBufferPointer { arena in
            for i in order {
                let x = e[i]
                if o.inode { out.decimal(x.ino, width: inoW); out.byte(ASCII.space) }
                if x.statOK { modeString(x.mode, into: &mode10); out.write(mode10) }
                else { out.write("?????????") ; out.write("?") }
                out.byte(ASCII.space)
                out.decimal(x.nlink, width: linkW); out.byte(ASCII.space)
                column(userCache[x.uid]!, userW, numeric: o.numeric || names.users.name(x.uid) == nil)
                column(groupCache[x.gid]!, groupW, numeric: o.numeric || names.groups.name(x.gid) == nil)
                let t = x.mode & S_IFMT
                if t == S_IFCHR || t == S_IFBLK {
                    out.decimal(devMajor(x.rdev), width: sizeW - minorW - 2); out.write(", ")
                    out.decimal(devMinor(x.rdev), width: minorW)
                } else if o.human {
                    out.padded(humanSize(UInt64(max(0, x.size))), width: sizeW, leftAlign: false)
                } else {
                    out.decimal(x.size, width: sizeW)
                }
                out.byte(ASCII.space)
                out.write(dates.format(seconds: x.mtime, nanoseconds: Int(x.mtimeNs), currentNanoseconds: nowNs))
                out.byte(ASCII.space)
                writeName(out, Bytes(rebasing: arena[Int(x.nameOff)..<Int(x.nameOff + x.nameLen)]), sanitize: tty)
                if x.linkOff >= 0 {
                    out.write(" -> ")
                    writeName(out, Bytes(rebasing: arena[Int(x.linkOff)..<Int(x.linkOff + x.linkLen)]), sanitize: tty)
                    if o.classify, x.linkMode != 0, let c = indicator(x.linkMode, link: false) { out.byte(c) }
                } else if o.classify, let c = indicator(x.mode, link: false) {
                    out.byte(c)
                }
                out.byte(ASCII.newline)
                if out.isBroken { return }
            }
        }
    }

    /// GNU ls's many-per-line format: as many columns as fit in the width,
    /// filled top to bottom, each as wide as its widest entry plus two;
    /// padding uses tabs where a tab stop (every 8) is crossed, as GNU does.
    func printColumns(_ list: LsList, _ order: [Int], inodeWidth: Int) {
        let e = list.entries
        let n = order.count
        if n == 0 { return }
        var lengths = [Int](repeating: 0, count: n)
        for (k, i) in order.enumerated() {
            // Display width: one column per UTF-8 character (not per byte).
            var len = 0
            for b in list.arena[Int(e[i].nameOff)..<Int(e[i].nameOff + e[i].nameLen)] where b & 0xC0 != 0x80 { len += 1 }
            if o.inode { len += inodeWidth + 1 }
            if o.classify, indicator(e[i].mode, link: true) != nil { len += 1 }
            lengths[k] = len
        }
        let minWidth = 3
        let lineLength = o.columns
        var maxIdx = lineLength / minWidth + (lineLength % minWidth != 0 ? 1 : 0)
        if maxIdx == 0 { maxIdx = 1 }
        let maxCols = min(maxIdx, n)
        var valid = [Bool](repeating: true, count: maxCols)
        var lineLen = (0..<maxCols).map { ($0 + 1) * minWidth }
        var colArr = (0..<maxCols).map { [Int](repeating: minWidth, count: $0 + 1) }
        for f in 0..<n {
            for i in 0..<maxCols where valid[i] {
                let idx = f / ((n + i) / (i + 1))
                let real = lengths[f] + (idx == i ? 0 : 2)
                if colArr[i][idx] < real {
                    lineLen[i] += real - colArr[i][idx]
                    colArr[i][idx] = real
                    valid[i] = lineLen[i] < lineLength
                }
            }
        }
        var cols = maxCols
        while cols > 1 && !valid[cols - 1] { cols -= 1 }
        let widths = colArr[cols - 1]
        let rows = n / cols + (n % cols != 0 ? 1 : 0)
        list.arena.withUnsafeBufferPointer { arena in
            for row in 0..<rows {
                var col = 0, f = row, pos = 0
                while true {
                    let i = order[f]
                    if o.inode { out.decimal(e[i].ino, width: inodeWidth); out.byte(ASCII.space) }
                    writeName(out, Bytes(rebasing: arena[Int(e[i].nameOff)..<Int(e[i].nameOff + e[i].nameLen)]), sanitize: tty)
                    if o.classify, let c = indicator(e[i].mode, link: true) { out.byte(c) }
                    let maxName = widths[col]; col += 1
                    f += rows
                    if f >= n { break }
                    var from = pos + lengths[f - rows]
                    let to = pos + maxName
                    while from < to {
                        if to / 8 > (from + 1) / 8 { out.byte(ASCII.tab); from += 8 - from % 8 }
                        else { out.byte(ASCII.space); from += 1 }
                    }
                    pos += maxName
                }
                out.byte(ASCII.newline)
                if out.isBroken { return }
            }
        }
    }

    /// Owner/group column: names left-aligned, numbers right-aligned (GNU).
    @inline(__always) func column(_ s: [UInt8], _ width: Int, numeric: Bool) {
        if numeric { out.repeatByte(ASCII.space, width - s.count); out.write(s) }
        else { out.write(s); out.repeatByte(ASCII.space, width - s.count) }
        out.byte(ASCII.space)
    }

    /// The -F indicator for a mode (`@` for links only outside -l).
    func indicator(_ mode: UInt32, link: Bool) -> UInt8? {
        switch mode & S_IFMT {
        case S_IFDIR: return 0x2F
        case S_IFLNK: return link ? 0x40 : nil
        case S_IFIFO: return 0x7C
        case S_IFSOCK: return 0x3D
        case S_IFREG: return mode & 0o111 != 0 ? 0x2A : nil
        default: return nil
        }
    }
}

@inline(__always) func digits<T: BinaryInteger>(_ v: T) -> Int {
    var n = 1
    var x = UInt64(truncatingIfNeeded: v)
    while x >= 10 { x /= 10; n += 1 }
    return n
}

extension PathOpener {
    /// Opens `path` following symlinks (O_PATH), nil on any failure.
    func openIfPossible(_ path: String) -> FileDescriptor? {
        try? open(path, flags: O_PATH).fd
    }
}
