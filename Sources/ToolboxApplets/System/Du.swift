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
    recursion); directories nested deeper than the open-file limit allows are
    reported and not entered.
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

/// One directory being walked: its descriptor, the names still to visit
/// (NUL-separated in `names`), and the size gathered so far.
private struct DuFrame {
    var fd: FileDescriptor
    var names: [UInt8] = []
    var offsets: [Int32] = []
    var next = 0
    var size: UInt64
    var pathLength: Int
    var depth: Int
}

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
        out.write(human ? humanCeiling(size) : String(ceilDiv(size, unit)))
        out.byte(ASCII.tab)
        out.write(path)
        out.byte(ASCII.newline)
    }
    func sizeOf(_ st: Glibc_stat_t) -> UInt64 {
        apparent ? UInt64(max(0, Int64(st.st_size))) : UInt64(max(0, Int64(st.st_blocks))) * 512
    }
    // Every open directory holds a descriptor: stay well inside the limit.
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    let maxNesting = max(16, min(maxDirectoryNesting, Int(min(limit.rlim_cur, 1 << 20)) - 32))

    let session = FileSession(ctx, verbose: p.has("verbose"))
    let reader = DirectoryReader()
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
            grand += s
            opened.fd.close()
            continue
        }
        var stack: [DuFrame] = []
        func push(_ dirFD: FileDescriptor, _ st: Glibc_stat_t, depth: Int) {
            var f = DuFrame(fd: dirFD, size: sizeOf(st), pathLength: path.count, depth: depth)
            do {
                try reader.forEach(dirFD) { name, _, _, _ in
                    f.offsets.append(Int32(f.names.count))
                    f.names.append(contentsOf: name)
                    f.names.append(0)
                    return true
                }
            } catch {
                out.flush(); ctx.warn("cannot read directory '\(String(decoding: path, as: UTF8.self))': \(error.description)")
            }
            stack.append(f)
        }
        do {
            let dir = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { fl throws(Errno) in
                try FileDescriptor.open(".", fl, relativeTo: opened.fd)
            }
            push(dir, top, depth: 0)
        } catch {
            out.flush(); ctx.warn("cannot read directory '\(op)': \(error.description)")
            let s = sizeOf(top)
            if maxDepth >= 0 { emit(s, path) }
            grand += s
        }
        opened.fd.close()
        while !stack.isEmpty {
            if out.isBroken { for f in stack { f.fd.close() }; stack.removeAll(); break }
            let top = stack.count - 1
            if stack[top].next == stack[top].offsets.count {
                // Directory done: print it, add it to its parent.
                let f = stack.removeLast()
                f.fd.close()
                path.removeSubrange(f.pathLength...)
                if f.depth <= maxDepth { emit(f.size, path) }
                if let parent = stack.indices.last { stack[parent].size += f.size } else { grand += f.size }
                if let parent = stack.indices.last { path.removeSubrange(stack[parent].pathLength...) }
                continue
            }
            let k = stack[top].next
            stack[top].next += 1
            let dirFD = stack[top].fd, depth = stack[top].depth + 1
            let start = Int(stack[top].offsets[k])
            let end = k + 1 < stack[top].offsets.count ? Int(stack[top].offsets[k + 1]) - 1 : stack[top].names.count - 1
            path.removeSubrange(stack[top].pathLength...)
            if path.last != 0x2F { path.append(0x2F) }
            path.append(contentsOf: stack[top].names[start..<end])
            var st = Glibc_stat_t()
            let rc: Int32 = stack[top].names.withUnsafeBufferPointer { b in
                fstatat(dirFD.rawValue, UnsafeRawPointer(b.baseAddress! + start).assumingMemoryBound(to: CChar.self), &st, AT_SYMLINK_NOFOLLOW)
            }
            if rc != 0 {
                let e = Errno.current
                if !e.isVanished { out.flush(); ctx.warn("cannot access '\(String(decoding: path, as: UTF8.self))': \(e.description)") }
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if oneFS && UInt64(st.st_dev) != rootDev { continue }
                if hashAll && !counted(st) { continue }
                if stack.count >= maxNesting {
                    out.flush(); ctx.warn(nestingTooDeep(String(decoding: path, as: UTF8.self)))
                    stack[top].size += sizeOf(st)
                    continue
                }
                let sub: FileDescriptor
                do {
                    sub = try stack[top].names.withUnsafeBufferPointer { b throws(Errno) in
                        let name = UnsafeRawPointer(b.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                        return try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { fl throws(Errno) in
                            try FileDescriptor.open(cPath: name, fl, relativeTo: dirFD)
                        }
                    }
                } catch {
                    if !error.isVanished {
                        out.flush(); ctx.warn("cannot read directory '\(String(decoding: path, as: UTF8.self))': \(error.description)")
                        stack[top].size += sizeOf(st)
                        if depth <= maxDepth { emit(sizeOf(st), path) }
                    }
                    continue
                }
                push(sub, st, depth: depth)
                continue
            }
            guard counted(st) else { continue }
            let s = sizeOf(st)
            stack[top].size += s
            if all && depth <= maxDepth { emit(s, path) }
        }
    }
    if p.has("total") { emit(grand, Array("total".utf8)) }
    return ExitCode.success
}
