import ToolboxCore

let tailApplet = Applet(spec: AppletSpec(
    name: "tail",
    summary: "Print the last 10 lines of each FILE (or - for standard input), and follow growth with inotify, as GNU tail",
    usage: ["[OPTION...] [FILE...]"],
    details: """
    -f follows the open file (descriptor); -F follows the name, reopening it when it is replaced or
    recreated (log rotation). Following sleeps in poll(2) on an inotify descriptor: no polling of the
    file, no CPU while idle. NUM may have a multiplier suffix (b, kB, K, MB, M, ...).
    """,
    options: [
        .value("c", "bytes", "[+]NUM", "output the last NUM bytes; or +NUM to output starting with byte NUM"),
        .value("n", "lines", "[+]NUM", "output the last NUM lines; or +NUM to output starting with line NUM"),
        .value(nil, "follow", "HOW", "output appended data as the file grows: name or descriptor (-f alone: descriptor)"),
        .flag("f", nil, "same as --follow=descriptor"),
        .flag("F", nil, "same as --follow=name --retry"),
        .value(nil, "pid", "PID", "with -f, terminate after process PID dies"),
        .flag("q", "quiet", "never output headers giving file names"),
        .flag(nil, "silent", "same as --quiet"),
        .flag(nil, "retry", "keep trying to open a file if it is inaccessible"),
        .value("s", "sleep-interval", "N", "with --pid, check the process about every N seconds (default 1.0)"),
        .flag("v", "verbose", "always output headers giving file names"),
        .flag("z", "zero-terminated", "line delimiter is NUL, not newline"),
    ]), run: runTail)

@Sendable
func runTail(_ ctx: Context, _ rawArgs: [String]) throws -> Int32 {
    var args: [String] = []
    for a in historicCountArgs(rawArgs) { args.append(a == "--follow" ? "--follow=descriptor" : a) }
    let p = try tailApplet.spec.parse(args, usageStatus: 1)
    let c = try HeadTailCount(p)
    let byBytes = c.byBytes, count = c.count, fromStart = c.sign == "+"
    var follow: TailFollower.Mode? = nil
    var retry = p.has("retry")
    for occ in p.occurrences {
        switch occ.key {
        case "f": follow = .descriptor
        case "F": follow = .name; retry = true
        case "follow":
            switch occ.value {
            case "descriptor": follow = .descriptor
            case "name": follow = .name
            default: throw tailApplet.spec.usageError("invalid argument '\(occ.value ?? "")' for '--follow'", status: 1)
            }
        default: break
        }
    }
    var pid: pid_t? = nil
    if let v = p.value("pid") {
        guard let n = Int32(v), n >= 0 else { throw ToolError(exitCode: 1, message: "invalid PID: '\(v)'") }
        pid = n
    }
    var interval = 1.0
    if let v = p.value("sleep-interval") {
        guard let d = Double(v), d >= 0 else { throw ToolError(exitCode: 1, message: "invalid number of seconds: '\(v)'") }
        interval = d
    }
    let eol: UInt8 = p.has("zero-terminated") ? 0 : ASCII.newline
    let operands = p.operands.isEmpty ? ["-"] : p.operands
    var headers = operands.count > 1
    for k in p.order { if k == "quiet" || k == "silent" { headers = false } else if k == "verbose" { headers = true } }

    let session = FileSession(ctx, verbose: false)
    let follower = TailFollower(ctx, session: session, mode: follow ?? .descriptor, retry: retry, eol: eol)
    var first = true
    for op in operands {
        if ctx.out.isBroken { break }
        guard let fd = openForReading(session, op) else {
            if follow != nil && retry && op != "-" { follower.add(name: op, fd: nil) }
            continue
        }
        if headers { writeFileHeader(ctx.out, op, first: first) }
        first = false
        do {
            try tailOne(ctx.out, fd, count, byBytes: byBytes, fromStart: fromStart, eol: eol)
        } catch {
            ctx.out.flush()
            ctx.warn("error reading '\(op)': \(error.description)")
        }
        if follow != nil, op != "-" || isFollowable(fd) {
            follower.add(name: op, fd: fd)
        } else {
            closeInput(fd)
        }
    }
    ctx.out.flush()
    if follow != nil && !follower.isEmpty && !ctx.out.isBroken {
        follower.headers = headers
        follower.lastShown = operands.last
        try follower.run(pid: pid, interval: interval)
    }
    return ExitCode.success
}

/// Standard input is followed only when it is a regular file (GNU: a pipe ends at EOF).
private func isFollowable(_ fd: FileDescriptor) -> Bool {
    guard let st = try? fd.stat() else { return false }
    return (st.st_mode & S_IFMT) == S_IFREG
}

/// Copies `fd` from its current offset to EOF.
func copyToEnd(_ out: OutputWriter, _ fd: FileDescriptor) throws(Errno) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = try fd.read(into: buffer)
        if n == 0 { return }
        out.write(Bytes(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
        if out.isBroken { return }
    }
}

private func tailOne(_ out: OutputWriter, _ fd: FileDescriptor, _ count: Int, byBytes: Bool, fromStart: Bool, eol: UInt8) throws(Errno) {
    let st = try fd.stat()
    let seekable = (st.st_mode & S_IFMT) == S_IFREG && lseek(fd.rawValue, 0, SEEK_CUR) >= 0 && st.st_size > 0
    if fromStart {
        // +NUM: skip NUM-1 units, print the rest.
        var skip = max(count - 1, 0)
        if byBytes && seekable {
            _ = lseek(fd.rawValue, off_t(min(skip, Int(st.st_size))), SEEK_CUR)
            try copyToEnd(out, fd); return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
        defer { buffer.deallocate() }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while true {
            let n = try fd.read(into: buffer)
            if n == 0 { return }
            var from = 0
            if skip > 0 {
                if byBytes { let s = min(skip, n); skip -= s; from = s }
                else if let hit = cshim_nth_byte(base, n, eol, skip) { from = hit - UnsafePointer(base) + 1; skip = 0 }
                else { skip -= cshim_count_byte(base, n, eol); from = n }
            }
            if from < n { out.write(Bytes(start: base + from, count: n - from)) }
            if out.isBroken { return }
        }
    }
    if count == 0 {
        if seekable { _ = lseek(fd.rawValue, 0, SEEK_END) } else { try drain(fd) }
        return
    }
    if seekable {
        let size = Int(st.st_size)
        let start: Int
        if byBytes {
            start = max(size - count, 0)
        } else {
            start = try lastLinesStart(fd, size: size, count: count, eol: eol)
        }
        _ = lseek(fd.rawValue, off_t(start), SEEK_SET)
        try copyToEnd(out, fd)
        return
    }
    // A pipe: keep only what the last `count` units need.
    let reader = ReadBuffer(capacity: 1 << 16)
    var held: [UInt8] = []
    while true {
        let chunk = try reader.readAll(fd, limit: 1 << 16)
        held.append(contentsOf: chunk)
        let eof = chunk.count < 1 << 16
        if held.count > 1 << 20 || eof { trimTail(&held, count, byBytes: byBytes, eol: eol) }
        if eof { break }
    }
    out.write(held)
}

private func drain(_ fd: FileDescriptor) throws(Errno) {
    let reader = ReadBuffer(capacity: 1 << 16)
    while try reader.readAll(fd, limit: 1 << 16).count == 1 << 16 {}
}

/// Drops all but the last `count` bytes or lines of `held`.
private func trimTail(_ held: inout [UInt8], _ count: Int, byBytes: Bool, eol: UInt8) {
    if byBytes { if held.count > count { held.removeFirst(held.count - count) }; return }
    var needed = count
    var i = held.count
    if i > 0 && held[i - 1] == eol { i -= 1 }
    while i > 0 {
        i -= 1
        if held[i] == eol { needed -= 1; if needed == 0 { held.removeFirst(i + 1); return } }
    }
}

/// The offset where the last `count` lines of a seekable file start,
/// reading backwards in blocks (the file may be huge).
private func lastLinesStart(_ fd: FileDescriptor, size: Int, count: Int, eol: UInt8) throws(Errno) -> Int {
    let blockSize = 1 << 16
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
    defer { buffer.deallocate() }
    let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var end = size
    var needed = count
    var first = true
    while end > 0 {
        let start = max(end - blockSize, 0)
        let n = try retryOnInterrupt { pread(fd.rawValue, buffer.baseAddress, end - start, off_t(start)) }
        if n <= 0 { return 0 }
        var limit = n
        // A final line terminator does not start another line.
        if first { first = false; if base[limit - 1] == eol { limit -= 1 } }
        while limit > 0 {
            guard let hit = cshim_memrchr(base, Int32(eol), limit) else { break }
            needed -= 1
            let at = hit - UnsafePointer(base)
            if needed == 0 { return start + at + 1 }
            limit = at
        }
        end = start
    }
    return 0
}
