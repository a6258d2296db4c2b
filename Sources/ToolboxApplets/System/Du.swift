import ToolboxCore

let duApplet = Applet(spec: AppletSpec(
    name: "du",
    summary: "Summarize disk usage of each FILE, recursively for directories (GNU du)",
    usage: ["[OPTION]... [FILE]..."],
    details: """
    Sizes are in 1024-byte blocks (rounded up) unless -b, -m or -h. A file with
    several hard links is counted once. Symbolic links are not followed. Paths
    under /proc/PID/root are resolved inside that container; directories are
    read with O_NOATIME where permitted. The walk keeps its own stack (no
    recursion) and a few directories open at a time, at any depth.
    """,
    options: [
        .flag("a", "all", "write counts for all files, not just directories"),
        .flag(nil, "apparent-size", "print apparent sizes rather than disk usage"),
        .flag("b", "bytes", "equivalent to '--apparent-size --block-size=1'"),
        .flag("c", "total", "produce a grand total"),
        .value("d", "max-depth", "N", "print the total for a directory only if it is N or fewer levels below FILE"),
        .flag("h", "human-readable", "print sizes in human readable format (e.g., 1K 234M 2G)"),
        .flag("k", nil, "like --block-size=1K"),
        .flag("m", nil, "like --block-size=1M"),
        .flag("s", "summarize", "display only a total for each argument"),
        .flag("x", "one-file-system", "skip directories on different file systems"),
        verboseOption,
    ]), run: runDu)

private struct InodeKey: Hashable { var dev: UInt64; var ino: UInt64 }

@Sendable
func runDu(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = duApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    let all = p.has("all"), summarize = p.has("summarize")
    if all && summarize { throw spec.usageError("cannot both summarize and show all entries", exit: ExitCode.failure) }
    let apparent = p.has("apparent-size") || p.has("bytes")
    var maxDepth = Int.max
    if let d = p.value("max-depth") {
        guard let n = Int(d), n >= 0 else { throw ToolError.failure("invalid maximum depth '\(d)'") }
        maxDepth = n
    }
    if summarize {
        if maxDepth != Int.max && maxDepth != 0 {
            throw spec.usageError("warning: summarizing conflicts with --max-depth=\(maxDepth)", exit: ExitCode.failure)
        }
        maxDepth = 0
    }
    // Output unit: the last of -b -k -m -h wins, as with GNU's block size options.
    var unit: UInt64 = 1024
    var human = false
    for key in p.order {
        switch key {
        case "bytes": unit = 1; human = false
        case "k": unit = 1024; human = false
        case "m": unit = 1024 * 1024; human = false
        case "human-readable": human = true
        default: break
        }
    }
    let oneFS = p.has("one-file-system")
    let out = ctx.out
    func emit(_ size: UInt64, _ path: [UInt8]) {
        // A saturated sum is printed as GNU does (print_only_size).
        out.write(size == .max ? "Infinity" : human ? humanCeiling(size) : String(ceilDiv(size, unit)))
        out.byte(ASCII.tab)
        out.write(path)
        out.byte(ASCII.newline)
    }
    func sizeOf(_ st: Glibc_stat_t) -> UInt64 {
        apparent ? UInt64(max(0, Int64(st.st_size))) : UInt64(max(0, Int64(st.st_blocks))) * 512
    }
    let session = FileSession(ctx, verbose: p.has("verbose"))
    let walk = DirectoryWalk()
    var sizes: [UInt64] = []   // of the directories being walked, by depth
    var seen = Set<InodeKey>()
    var grand: UInt64 = 0
    var path: [UInt8] = []
    // GNU: with several operands every file and directory is counted once
    // (du a a/b prints nothing for a/b); with one, only multiply-linked files.
    let operands = p.operands.isEmpty ? ["."] : p.operands
    let hashAll = operands.count > 1
    for op in operands {
        if out.isBroken { break }
        let opened: OpenedPath
        do { opened = try session.opener.open(op, flags: O_PATH | O_NOFOLLOW) } catch {
            out.flush()
            ctx.warn("cannot access '\(op)': \(error.errno.description)")
            continue
        }
        guard let top = try? opened.fd.stat() else {
            ctx.warn("cannot access '\(op)': \(Errno.current.description)"); opened.fd.close(); continue
        }
        let rootDev = UInt64(top.st_dev)
        path = Array(op.utf8)
        func counted(_ st: Glibc_stat_t) -> Bool {
            if hashAll || ((st.st_mode & S_IFMT) != S_IFDIR && st.st_nlink > 1) {
                return seen.insert(InodeKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))).inserted
            }
            return true
        }
        guard counted(top) else { opened.fd.close(); continue }
        guard (top.st_mode & S_IFMT) == S_IFDIR else {
            let s = sizeOf(top)
            emit(s, path)
            grand = grand.saturatingAdd(s)
            opened.fd.close()
            continue
        }
        func readDirectory() {
            do { try walk.read() } catch {
                out.flush(); ctx.warn("cannot read directory '\(String(decoding: walk.path, as: UTF8.self))': \(error.description)")
            }
        }
        do {
            defer { opened.fd.close() }
            let dir = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { fl throws(Errno) in
                try FileDescriptor.open(".", fl, relativeTo: opened.fd)
            }
            try walk.start(dir, name: path)
        } catch {
            out.flush(); ctx.warn("cannot read directory '\(op)': \(error.description)")
            let s = sizeOf(top)
            if maxDepth >= 0 { emit(s, path) }
            grand = grand.saturatingAdd(s)
            continue
        }
        sizes = [sizeOf(top)]
        readDirectory()
        while true {
            if out.isBroken { walk.finish(); break }
            guard let e = walk.next() else {
                // Directory done: print it, add it to its parent.
                let depth = walk.depth
                let size = sizes.removeLast()
                if depth <= maxDepth { emit(size, walk.path) }
                if depth == 0 { grand = grand.saturatingAdd(size); _ = walk.leave(); break }
                sizes[depth - 1] = sizes[depth - 1].saturatingAdd(size)
                if let lost = walk.leave() {
                    out.flush(); ctx.warn("cannot read directory '\(String(decoding: lost.path, as: UTF8.self))': \(lost.message)")
                }
                continue
            }
            let depth = walk.depth + 1
            var st = Glibc_stat_t()
            if fstatat(walk.directory.rawValue, e.name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                let e = Errno.current
                if !e.isVanished { out.flush(); ctx.warn("cannot access '\(String(decoding: walk.path, as: UTF8.self))': \(e.description)") }
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if oneFS && UInt64(st.st_dev) != rootDev { continue }
                if hashAll && !counted(st) { continue }
                do { try walk.enter(e) } catch {
                    if !error.isVanished {
                        out.flush(); ctx.warn("cannot read directory '\(String(decoding: walk.path, as: UTF8.self))': \(error.description)")
                        sizes[walk.depth] = sizes[walk.depth].saturatingAdd(sizeOf(st))
                        if depth <= maxDepth { emit(sizeOf(st), walk.path) }
                    }
                    continue
                }
                sizes.append(sizeOf(st))
                readDirectory()
                continue
            }
            guard counted(st) else { continue }
            let s = sizeOf(st)
            sizes[walk.depth] = sizes[walk.depth].saturatingAdd(s)
            if all && depth <= maxDepth { emit(s, walk.path) }
        }
    }
    if p.has("total") { emit(grand, Array("total".utf8)) }
    return ExitCode.success
}

extension UInt64 {
    /// GNU du adds sizes saturating at the maximum (duinfo_add): files a
    /// container made huge (sparse, 8 EiB each) must not trap the sum.
    func saturatingAdd(_ x: UInt64) -> UInt64 {
        let (r, o) = addingReportingOverflow(x)
        return o ? .max : r
    }
}
