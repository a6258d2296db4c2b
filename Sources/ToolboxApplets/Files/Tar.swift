import ToolboxCore

let tarApplet = Applet(spec: AppletSpec(
    name: "tar",
    summary: "Create, list and extract tar archives (ustar + pax; reads GNU tar archives); enough for kubectl cp",
    usage: ["-c [-f ARCHIVE] [-C DIR] [-v] [-h] [-T LIST] [--exclude=PATTERN] [--] FILE...",
            "-t [-f ARCHIVE] [-v] [--full-time] [--wildcards] [MEMBER...]",
            "-x [-f ARCHIVE] [-C DIR] [-v] [-m] [-p] [-k] [--strip-components=N] [MEMBER...]", "cf - -C DIR -- NAME  (old style)"],
    details: """
    As GNU tar: the first argument may be a cluster of letters without a dash
    (`tar cf - -C DIR -- NAME`, `tar xf -`, `tar tvf x.tar`); ARCHIVE `-` (the
    default) is stdout for -c and stdin for -t and -x. Creates ustar archives
    with pax extended headers for long names, link names, sizes of 8 GiB and more
    and large ids; extracts ustar, pax and GNU archives (GNU long names, base-256
    numbers). Paths under /proc/PID/root are read confined to that root: absolute
    symlinks stay inside the container, and are archived as symlinks.

    Extraction never writes outside DIR: leading `/` is stripped, members with a
    `..` component are refused, and no symlink is followed below DIR (neither
    one from the archive nor one that was there before). With -P, absolute
    names start at the root DIR is in and `..` never climbs above it: into
    /proc/PID/root/... everything stays inside that container. -h follows
    symlinks (ConfigMap and Secret volumes) by resolving the whole path, inside
    the container for /proc/PID/root/...; a file reached twice is stored once,
    then as a hard link. --exclude patterns match at any directory level,
    `*` matches `/` (GNU's defaults). As root, owners
    (by user/group name in DIR's root's /etc/passwd, else by number) and modes
    are restored exactly; otherwise the umask applies. Nothing but -x writes;
    -c opens files with O_NOATIME where permitted, so access times stay unchanged.

    Exit status: 0 ok; 1 if any member or file failed (after going on with the
    rest), or the archive is damaged; 2 usage error. (GNU tar uses 2 for most
    failures.) gzip (-z) is built in; reading recognises gzip, and bzip2, xz and
    zstd (through that program, when on PATH) by the archive's first bytes.
    """,
    options: [
        .flag("c", "create", "create an archive"),
        .flag("t", "list", "list the members"),
        .flag("x", "extract", "extract members"),
        .value("f", "file", "ARCHIVE", "archive file, - for stdin/stdout (the default)"),
        .value("C", "directory", "DIR", "change to DIR for the operands after it (resolved inside the container for /proc/PID/root/...)"),
        .flag("v", "verbose", "list the members processed; twice (or with -t) long listing"),
        .flag("m", "touch", "do not restore modification times on extraction"),
        .flag("p", "preserve-permissions", "restore modes exactly, without the umask (the default as root)"),
        .flag(nil, "same-permissions", "same as -p"),
        .flag(nil, "no-same-permissions", "apply the umask to extracted modes (the default for other users)"),
        .flag(nil, "same-owner", "restore owners (the default as root)"),
        .flag(nil, "no-same-owner", "extract files as yourself"),
        .flag("o", nil, "same as --no-same-owner when extracting"),
        .flag(nil, "numeric-owner", "use numeric ids, not user and group names"),
        .flag("O", "to-stdout", "extract file contents to stdout instead of creating files"),
        .flag("z", "gzip", "filter the archive through gzip (built in); -t and -x also recognise gzip, bzip2, xz and zstd input by itself"),
        .flag("j", "bzip2", "filter the archive through bzip2 (the external program)"),
        .flag("J", "xz", "filter the archive through xz (the external program)"),
        .flag(nil, "zstd", "filter the archive through zstd (the external program)"),
        .flag("S", "sparse", "store the holes of sparse files as holes (found with SEEK_HOLE; GNU's 'S' members)"),
        .flag("h", "dereference", "archive the files symlinks point to, not the links (resolved inside the container)"),
        .value(nil, "exclude", "PATTERN", "skip names matching PATTERN (shell wildcards, at any directory level)"),
        .value("X", "exclude-from", "FILE", "skip names matching the patterns in FILE, one a line"),
        .value("T", "files-from", "FILE", "archive (or extract) the names in FILE, one a line; - is stdin"),
        .flag(nil, "null", "-T and -X read names separated by NUL"),
        .value(nil, "strip-components", "N", "drop N leading components of member names on extraction"),
        .value(nil, "transform", "EXPRESSION", "change names with sed's s/REGEX/REPLACEMENT/[gixN rRsShH] (;-separated)"),
        .value(nil, "xform", "EXPRESSION", "same as --transform"),
        .flag("k", "keep-old-files", "do not replace existing files; report them as errors"),
        .flag(nil, "skip-old-files", "do not replace existing files; skip them silently"),
        .flag(nil, "overwrite", "overwrite existing regular files in place (same inode)"),
        .value(nil, "owner", "NAME[:UID]", "store NAME (and UID) as the owner of added files"),
        .value(nil, "group", "NAME[:GID]", "store NAME (and GID) as the group of added files"),
        .value(nil, "mtime", "DATE", "store DATE (@SECONDS, YYYY-MM-DD[ HH:MM[:SS]], or a file's mtime) as the mtime"),
        .value(nil, "mode", "MODE", "change the stored modes as chmod MODE (octal or symbolic)"),
        .flag("P", "absolute-names", "keep leading `/' and `..' in names; extracting, they stay inside DIR's root"),
        .flag(nil, "wildcards", "MEMBER operands are shell patterns"),
        .flag(nil, "no-wildcards", "MEMBER operands are names (the default)"),
        .flag(nil, "full-time", "list times to the second (and fraction)"),
    ], permute: true), run: runTar)

/// Letters whose option takes the next argument in old-style clusters.
private let tarValueLetters: Set<Character> = ["f", "C", "X", "T"]

/// What the options ask of -c, -t and -x beyond the mode.
struct TarConfig {
    var excludes = TarExcludes()
    var wildcards = false
    /// GNU's hint about pattern characters, unless --no-wildcards was given.
    var wildcardsHint = true
    var stripComponents = 0
    var transform: TarTransform?
    var dereference = false
    var sparse = false
    var absoluteNames = false
    var fullTime = false
    var verbose = false
    var oldFiles = TarOldFiles.replace
    var ownerID: UInt32?, ownerName: String?
    var groupID: UInt32?, groupName: String?
    var mtime: (Int64, UInt32)?
    var mode: TarModeSpec?
    /// -j, -J, --zstd: the external (de)compressor.
    var program: String?
}

/// What -x does with a name that exists: GNU's default (unlink, then
/// create), -k, --skip-old-files, --overwrite.
enum TarOldFiles { case replace, keep, skip, overwrite }

/// Builds the configuration from the parsed options (lists read, dates
/// and owners resolved); usage errors in GNU's words.
private func tarConfig(_ ctx: Context, _ opts: ParsedArguments, verbose: Bool) throws -> TarConfig {
    var c = TarConfig()
    let null = opts.has("null")
    c.excludes.patterns = opts.values("exclude").map { Array($0.utf8) }
    for f in opts.values("exclude-from") { c.excludes.patterns += try tarReadNameList(ctx, f, null: null, option: "-X") }
    c.wildcards = opts.order.last { $0 == "wildcards" || $0 == "no-wildcards" } == "wildcards"
    c.wildcardsHint = !opts.has("no-wildcards")
    if let s = opts.value("strip-components") {
        guard let n = Int(s), n >= 0 else {
            throw ToolError(exitCode: 2, message: "Invalid number of elements: '\(s)'\nTry 'tar --help' or 'tar --usage' for more information.")
        }
        c.stripComponents = n
    }
    let xforms = opts.occurrences.compactMap { $0.key == "transform" || $0.key == "xform" ? $0.value : nil }
    if !xforms.isEmpty { c.transform = try TarTransform(xforms) }
    c.dereference = opts.has("dereference")
    c.sparse = opts.has("sparse")
    c.program = opts.order.last { $0 == "bzip2" || $0 == "xz" || $0 == "zstd" }
    c.absoluteNames = opts.has("absolute-names")
    c.fullTime = opts.has("full-time")
    c.verbose = verbose
    switch opts.order.last(where: { $0 == "keep-old-files" || $0 == "skip-old-files" || $0 == "overwrite" }) {
    case "keep-old-files": c.oldFiles = .keep
    case "skip-old-files": c.oldFiles = .skip
    case "overwrite": c.oldFiles = .overwrite
    default: break
    }
    if opts.has("owner") || opts.has("group") {
        let host = HostNames(ctx)
        if let o = opts.value("owner") { (c.ownerID, c.ownerName) = try tarOwnerOption(o, names: host.users) }
        if let g = opts.value("group") { (c.groupID, c.groupName) = try tarOwnerOption(g, names: host.groups) }
    }
    if let m = opts.value("mode") {
        guard let spec = TarModeSpec(m) else {
            throw ToolError(exitCode: 2, message: "Invalid mode given on option\ntar: Error is not recoverable: exiting now")
        }
        c.mode = spec
    }
    if let d = opts.value("mtime") {
        if d.hasPrefix("/") || d.hasPrefix(".") {
            guard let st = try? openUserPath(d, flags: O_PATH, procRoot: ctx.procfs.root).statAndClose() else {
                throw ToolError(exitCode: 2, message: "\(d): Cannot stat: \(Errno.current.description)\ntar: Error is not recoverable: exiting now")
            }
            c.mtime = (Int64(st.st_mtim.tv_sec), UInt32(st.st_mtim.tv_nsec))
        } else if let t = tarParseDate(d) {
            c.mtime = t
            let shown = tarFullTime(t.0, nanoseconds: t.1)
            if verbose && shown != d { ctx.note("Option --mtime: Treating date '\(d)' as \(shown)") }
        } else {
            c.mtime = (Int64.min + 1, 0)
            ctx.note("Substituting -9223372036854775807 for unknown date format '\(d)'")
        }
    }
    return c
}

extension FileDescriptor {
    /// fstat, then close (for a reference file).
    func statAndClose() throws(Errno) -> Glibc_stat_t {
        defer { close() }
        return try stat()
    }
}

@Sendable
func runTar(_ ctx: Context, _ args: [String]) throws -> Int32 {
    var argv = args
    // Old style: `tar cvf FILE ...` — the first argument is letters without
    // a dash, and the arguments of f and C follow in order.
    if let first = argv.first, !first.isEmpty, !first.hasPrefix("-") {
        var expanded: [String] = []
        var rest = Array(argv.dropFirst())[...]
        for c in first {
            expanded.append("-\(c)")
            if tarValueLetters.contains(c) {
                guard let v = rest.first else { throw ToolError.usage("option requires an argument -- '\(c)'") }
                expanded.append(v); rest = rest.dropFirst()
            }
        }
        argv = expanded + rest
    }
    // Compression letters get a hint rather than "invalid option". A
    // cluster is scanned up to a letter that takes a value (`-fa.tar`).
    var i = 0
    while i < argv.count {
        let a = argv[i]; i += 1
        if a == "--" { break }
        guard a.hasPrefix("-"), !a.hasPrefix("--"), a.count > 1 else { continue }
        for c in a.dropFirst() {
            if c == "Z" {
                throw ToolError.usage("-\(c): compression is not built in; pipe through gzip/xz (e.g. gzip -dc x.tgz | toolbox tar xf -)")
            }
            if tarValueLetters.contains(c) {
                if a.last == c { i += 1 }   // the value is the next argument
                break
            }
        }
    }
    var opts = try tarApplet.spec.parse(argv)
    let modes = ["create", "list", "extract"].filter { opts.has($0) }
    if modes.isEmpty { throw ToolError.usage("you must specify one of the '-ctx' options") }
    if modes.count > 1 { throw ToolError.usage("you may not specify more than one '-ctx' option") }
    let archive = opts.value("file") ?? "-"
    // -C is positional, as in GNU tar: each applies to the operands after
    // it, relative to the previous one.
    let placed = tarDirectories(argv, options: tarApplet.spec.options)
    var operandDirs: [String?] = placed.operands.count == opts.operands.count ? placed.operands
        : [String?](repeating: placed.final, count: opts.operands.count)
    let directory = placed.final
    var verbose = opts.count("verbose")
    var config = try tarConfig(ctx, opts, verbose: verbose > 0 && modes[0] == "create")
    config.verbose = verbose > 0
    // -T names go where -T is among the operands (GNU), with its -C.
    let lists = opts.values("files-from")
    var inserted = 0
    for (n, f) in lists.enumerated() {
        let names = try tarReadNameList(ctx, f, null: opts.has("null"), option: "-T").map { String(decoding: $0, as: UTF8.self) }
        let place = placed.lists.count == lists.count ? placed.lists[n] : (at: opts.operands.count - inserted, dir: placed.final)
        let at = min(place.at + inserted, opts.operands.count)
        opts.operands.insert(contentsOf: names, at: at)
        operandDirs.insert(contentsOf: [String?](repeating: place.dir, count: names.count), at: at)
        inserted += names.count
    }
    switch modes[0] {
    case "create":
        if opts.operands.isEmpty && !opts.has("files-from") { throw ToolError.usage("cowardly refusing to create an empty archive") }
        if archive == "-" && Terminal.isTerminal(1) && ctx.err !== ctx.out {
            throw ToolError.usage("refusing to write archive contents to terminal (missing -f option?)")
        }
        let c = try TarCreate(ctx, archive: archive, verbose: verbose, numericOwner: opts.has("numeric-owner"),
                              gzip: opts.has("gzip"), config: config)
        for (op, dir) in zip(opts.operands, operandDirs) {
            if c.out.isBroken || c.out.failure != nil { break }
            c.add(operand: op, directory: dir)
        }
        try c.finish()
    case "list", "extract":
        if archive == "-" && Terminal.isTerminal(0) {
            throw ToolError.usage("refusing to read archive contents from terminal (missing -f option?)")
        }
        let fd: FileDescriptor
        if archive == "-" { fd = .standardInput } else {
            do { fd = try openUserPath(archive, flags: O_RDONLY | O_NOATIME, procRoot: ctx.procfs.root) } catch {
                throw ToolError.failure("\(archive): Cannot open: \(error.description)")
            }
        }
        defer { if archive != "-" { fd.close() } }
        let input = try TarInput(archive: fd, gzip: opts.has("gzip"), program: config.program)
        let reader = TarReader(input.fd, prefix: input.prefix)
        do {
        if modes[0] == "list" {
            verbose += 1
            let l = TarListing(ctx, verbose: verbose, numericOwner: opts.has("numeric-owner"), fullTime: config.fullTime)
            let sanitizer = TarNameSanitizer(ctx)
            try tarReadArchive(ctx, reader, members: opts.operands, config: config) { h, name in
                l.list(config.transformedLink(h), name: name)
                if !config.absoluteNames { _ = sanitizer.safe(name) }   // GNU says what extraction would strip
                return true
            }
        } else {
            let isRoot = geteuid() == 0
            let x = try TarExtract(ctx, directory: directory ?? ".",
                                   sameOwner: (isRoot || opts.has("same-owner")) && !opts.has("no-same-owner") && !opts.has("o"),
                                   samePermissions: (isRoot || opts.has("preserve-permissions") || opts.has("same-permissions")) && !opts.has("no-same-permissions"),
                                   touch: opts.has("touch"), numericOwner: opts.has("numeric-owner"), config: config)
            let toStdout = opts.has("to-stdout")
            // With -O the names go to stderr, like GNU tar's.
            let l = verbose > 0 ? TarListing(ctx, verbose: verbose, numericOwner: opts.has("numeric-owner"), toStderr: toStdout, fullTime: config.fullTime) : nil
            try tarReadArchive(ctx, reader, members: opts.operands, config: config) { h, name in
                // Members with fewer components than --strip-components are
                // skipped before they are listed (GNU).
                let (th, tname) = config.transformed(h, name)
                if config.stripComponents > 0 && tarStrippedPrefix(tname, config.stripComponents) == nil { return true }
                l?.list(th, name: name)
                if toStdout { return x.extractToStdout(th, name: tname, reader: reader) }
                return x.extract(th, name: tname, reader: reader)
            }
            x.finish()
        }
        } catch {
            if let report = input.finish() { return tarDecompressorFailed(ctx, report) }
            throw error
        }
        if let report = input.finish() { return tarDecompressorFailed(ctx, report) }
    default: break
    }
    if ctx.exitStatus != ExitCode.success {
        ctx.out.flush()
        ctx.note("Exiting with failure status due to previous errors")
    }
    return ctx.exitStatus
}

/// The data regions of a file as offset, length pairs (GNU tar's
/// sparse_scan_file_seek: a trailing hole ends the map with (size, 0)), or
/// nil when SEEK_HOLE finds none.
func tarDataRegions(_ fd: FileDescriptor, size: UInt64) -> [UInt64]? {
    var map: [UInt64] = [], offset: off_t = 0
    // The map is capped (a hostile file can have millions of regions);
    // a file with more is stored whole, never cut short (data lost).
    while true {
        if map.count >= 1 << 20 { return nil }
        let data = lseek(fd.rawValue, offset, 3 /* SEEK_DATA */)
        if data < 0 || UInt64(data) >= size {
            guard data >= 0 || errno == ENXIO else { return nil }
            map += [size, 0]; break
        }
        let hole = min(off_t(size), lseek(fd.rawValue, data, 4 /* SEEK_HOLE */))
        if hole <= data { return nil }
        if offset == 0 && data == 0 && UInt64(hole) == size { return nil }
        map += [UInt64(data), UInt64(hole - data)]
        offset = hole
        if UInt64(hole) == size { break }
    }
    return map
}

/// Hands each piece of the member's data to `put` with its offset in the
/// file (for a sparse member, the offsets of its map); the first write
/// error is returned once the data is consumed.
func tarSparseData(_ h: TarHeader, _ reader: TarReader, _ put: (UnsafeRawBufferPointer, UInt64) throws(Errno) -> Void) throws(TarReadError) -> Errno? {
    let map = h.sparseMap ?? [0, h.size]
    var i = 0, offset: UInt64 = 0, left: UInt64 = 0
    var failure: Errno?
    while true {
        var chunk = try reader.readData()
        if chunk.count == 0 { return failure }
        while chunk.count > 0 {
            while left == 0 && i + 1 < map.count { offset = map[i]; left = map[i + 1]; i += 2 }
            let n = Int(min(UInt64(chunk.count), max(left, 1)))
            if failure == nil && left > 0 {
                do throws(Errno) { try put(UnsafeRawBufferPointer(rebasing: chunk[0..<n]), offset) } catch { failure = error }
            }
            offset += UInt64(n); left -= min(left, UInt64(n))
            chunk = UnsafeRawBufferPointer(rebasing: chunk[n...])
        }
    }
}

/// The directory in effect for each operand (nil: the current one) and
/// after all options, from the -C/--directory options in command-line
/// order. A relative -C is relative to the previous one (GNU tar chdirs).
private func tarDirectories(_ argv: [String], options: [Option]) -> (operands: [String?], final: String?, lists: [(at: Int, dir: String?)]) {
    var dir: String? = nil
    var operands: [String?] = []
    // Where each -T list goes: after the operands before it, with its -C.
    var lists: [(at: Int, dir: String?)] = []
    func change(_ to: String) {
        if to.hasPrefix("/") || dir == nil { dir = to } else { dir = dir!.hasSuffix("/") ? dir! + to : dir! + "/" + to }
    }
    var i = 0, onlyOperands = false
    while i < argv.count {
        let a = argv[i]; i += 1
        if onlyOperands || a == "-" || !a.hasPrefix("-") { operands.append(dir); continue }
        if a == "--" { onlyOperands = true; continue }
        if a.hasPrefix("--") {
            let body = a.dropFirst(2)
            let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            let isDir = !name.isEmpty && "directory".hasPrefix(name)
            let takesValue = options.contains { $0.argument != nil && $0.long == name }
                || (!options.contains { $0.long == name } && options.contains { $0.argument != nil && ($0.long ?? "").hasPrefix(name) })
            if name.count > 2 && "files-from".hasPrefix(name) { lists.append((operands.count, dir)) }
            if isDir || takesValue {
                let v = inline ?? (i < argv.count ? argv[i] : nil)
                if inline == nil { i += 1 }
                if isDir, let v { change(v) }
            }
            continue
        }
        let letters = Array(a.dropFirst())
        for (j, c) in letters.enumerated() where tarValueLetters.contains(c) || options.contains(where: { $0.short == c && $0.argument != nil }) {
            let v = j + 1 < letters.count ? String(letters[(j + 1)...]) : (i < argv.count ? argv[i] : nil)
            if j + 1 == letters.count { i += 1 }
            if c == "C", let v { change(v) }
            if c == "T" { lists.append((operands.count, dir)) }
            break
        }
    }
    return (operands, dir, lists)
}

// MARK: - member names

/// Removes the unsafe prefix and says so once per distinct prefix, as GNU
/// tar does ("Removing leading `/' from member names").
final class TarNameSanitizer {
    private var said: Set<[UInt8]> = []
    let ctx: Context
    init(_ ctx: Context) { self.ctx = ctx }

    func safe(_ name: [UInt8], what: String = "member names") -> [UInt8] {
        let n = Ustar.unsafePrefixLength(name)
        if n == 0 { return name }
        let prefix = Array(name[0..<n])
        if said.insert(prefix + Array(what.utf8)).inserted {
            ctx.note("Removing leading `\(String(decoding: prefix, as: UTF8.self))' from \(what)")
        }
        let rest = Array(name[n...])
        return rest.isEmpty ? [0x2E] : rest
    }
}

/// GNU's "escape" quoting of names in listings: backslash and control
/// characters as C escapes.
private func tarQuote(_ name: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(name.count)
    for b in name {
        switch b {
        case 0x5C: out += [0x5C, 0x5C]
        case 0x07: out += [0x5C, 0x61]
        case 0x08: out += [0x5C, 0x62]
        case 0x0C: out += [0x5C, 0x66]
        case 0x0A: out += [0x5C, 0x6E]
        case 0x0D: out += [0x5C, 0x72]
        case 0x09: out += [0x5C, 0x74]
        case 0x0B: out += [0x5C, 0x76]
        case 0..<0x20, 0x7F:
            out += [0x5C, 0x30 + (b >> 6), 0x30 + ((b >> 3) & 7), 0x30 + (b & 7)]
        default: out.append(b)
        }
    }
    return out
}

// MARK: - system call helpers over byte names

@inline(__always)
func tarWithCName<R>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
    var z = name
    z.append(0)
    return z.withUnsafeBufferPointer { p in
        p.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
    }
}

private func tarOpen(_ dir: FileDescriptor, _ name: [UInt8], _ flags: Int32, mode: mode_t = 0) throws(Errno) -> FileDescriptor {
    try tarWithCName(name) { p in
        Result { () throws(Errno) in try FileDescriptor.open(cPath: p, flags, mode: mode, relativeTo: dir) }
    }.get()
}

private func tarLstat(_ dir: FileDescriptor, _ name: [UInt8]) throws(Errno) -> Glibc_stat_t {
    try tarWithCName(name) { p in
        Result { () throws(Errno) in try fileStatus(cPath: p, relativeTo: dir, followSymlinks: false) }
    }.get()
}

private func tarReadLink(_ dir: FileDescriptor, _ name: UnsafePointer<CChar>) throws(Errno) -> [UInt8] {
    var cap = 256
    while cap <= 1 << 20 {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: cap, alignment: 1)
        defer { buf.deallocate() }
        let n = try readLink(cPath: name, relativeTo: dir, into: buf)
        if n < cap { return Array(buf[0..<n]) }
        cap *= 4
    }
    throw Errno.nameTooLong
}

/// Repeats a call that failed with EINTR; the caller checks the result and errno.
private let tarUtimeNow = Int((1 << 30) - 1)
private let tarUtimeOmit = Int((1 << 30) - 2)

private func tarMakeDev(_ major: UInt32, _ minor: UInt32) -> UInt64 {
    let ma = UInt64(major), mi = UInt64(minor)
    return ((ma & 0xFFF) << 8) | ((ma & ~UInt64(0xFFF)) << 32) | (mi & 0xFF) | ((mi & ~UInt64(0xFF)) << 12)
}

/// User and group names for a path: the container's /etc/passwd and
/// /etc/group for paths under /proc/PID/root, else the host's.
final class TarNames {
    private var cache: [String: (IDNames, IDNames)] = [:]
    let ctx: Context
    let verbose: Bool
    init(_ ctx: Context, verbose: Bool = false) { self.ctx = ctx; self.verbose = verbose }

    /// The tables for files under the process root `root` (nil: the host).
    func tables(forRoot root: ConfinedRoot?) -> (users: IDNames, groups: IDNames) {
        let key = root?.path ?? ""
        if let t = cache[key] { return t }
        let t: (IDNames, IDNames)
        if let root {
            // Resolved inside the root, bounded; -v says why numbers show.
            t = rootIDNames(ctx, root, verbose: verbose)
        } else {
            let host = HostNames(ctx)
            t = (host.users, host.groups)
        }
        cache[key] = t
        return t
    }
}

// MARK: - listing

/// `-t` output and `-v` lines: names, or GNU's long format
/// `-rw-r--r-- root/root         5 2026-11-29 03:30 name`.
final class TarListing {
    let ctx: Context
    let verbose: Int
    let numericOwner: Bool
    /// GNU's running width of "user/group size" (starts at 19 and grows).
    private var ugsWidth = 19
    /// GNU's running width of the time column (grows with --full-time fractions).
    private var dateWidth = 16
    var out: OutputWriter

    let fullTime: Bool

    init(_ ctx: Context, verbose: Int, numericOwner: Bool, toStderr: Bool = false, fullTime: Bool = false) {
        self.ctx = ctx; self.verbose = verbose; self.numericOwner = numericOwner; self.fullTime = fullTime
        out = toStderr ? ctx.err : ctx.out
    }

    func list(_ h: TarHeader, name: [UInt8]) {
        if verbose < 2 {
            out.write(tarQuote(name)); out.byte(ASCII.newline)
            return
        }
        out.write(modeString(h))
        out.byte(ASCII.space)
        let user = !numericOwner && !h.uname.isEmpty ? String(decoding: h.uname, as: UTF8.self) : String(h.uid)
        let group = !numericOwner && !h.gname.isEmpty ? String(decoding: h.gname, as: UTF8.self) : String(h.gid)
        let size: String
        if h.typeflag == TarType.character || h.typeflag == TarType.block {
            size = "\(h.devmajor),\(h.devminor)"
        } else if h.typeflag == TarType.hardLink || h.typeflag == TarType.symlink || h.typeflag == TarType.directory {
            size = "0"
        } else {
            size = String(h.size)
        }
        let pad = user.utf8.count + 1 + group.utf8.count + 1 + size.utf8.count
        if pad > ugsWidth { ugsWidth = pad }
        out.write(user); out.byte(0x2F); out.write(group); out.byte(ASCII.space)
        out.padded(size, width: ugsWidth - pad + size.utf8.count, leftAlign: false)
        out.byte(ASCII.space)
        let date = fullTime ? tarFullTime(h.mtime, nanoseconds: h.mtimeNanoseconds) : timeString(h.mtime)
        if date.utf8.count > dateWidth { dateWidth = date.utf8.count }
        out.padded(date, width: dateWidth, leftAlign: true)
        out.byte(ASCII.space)
        out.write(tarQuote(name))
        if h.typeflag == TarType.symlink {
            out.write(" -> "); out.write(tarQuote(h.linkname))
        } else if h.typeflag == TarType.hardLink {
            out.write(" link to "); out.write(tarQuote(h.linkname))
        }
        out.byte(ASCII.newline)
    }

    func modeString(_ h: TarHeader) -> String {
        let type: Character
        switch h.typeflag {
        case TarType.directory, TarType.gnuDumpDir: type = "d"
        case TarType.gnuVolume: type = "V"
        case TarType.symlink: type = "l"
        case TarType.hardLink: type = "h"
        case TarType.character: type = "c"
        case TarType.block: type = "b"
        case TarType.fifo: type = "p"
        case TarType.contiguous: type = "C"
        default: type = "-"
        }
        var s = String(type)
        let m = h.mode
        func bit(_ mask: UInt32, _ c: Character) -> Character { m & mask != 0 ? c : "-" }
        s.append(bit(0o400, "r")); s.append(bit(0o200, "w"))
        s.append(m & 0o4000 != 0 ? (m & 0o100 != 0 ? "s" : "S") : bit(0o100, "x"))
        s.append(bit(0o040, "r")); s.append(bit(0o020, "w"))
        s.append(m & 0o2000 != 0 ? (m & 0o010 != 0 ? "s" : "S") : bit(0o010, "x"))
        s.append(bit(0o004, "r")); s.append(bit(0o002, "w"))
        s.append(m & 0o1000 != 0 ? (m & 0o001 != 0 ? "t" : "T") : bit(0o001, "x"))
        return s
    }

    /// Local time as `YYYY-MM-DD HH:MM`, like GNU tar.
    func timeString(_ t: Int64) -> String {
        var secs = time_t(t)
        var tm = Glibc.tm()
        guard localtime_r(&secs, &tm) != nil else { return String(t) }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(calendarYear(tm))-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday)) \(two(tm.tm_hour)):\(two(tm.tm_min))"
    }
}

/// Reads every entry and hands those selected by `members` (all when
/// empty) to `body`, with the name as GNU prints it. Archive damage ends
/// the run with exit 1.
private func tarReadArchive(_ ctx: Context, _ reader: TarReader, members: [String], config: TarConfig,
                 _ body: (TarHeader, [UInt8]) -> Bool) throws {
    let wanted = members.map { m -> [UInt8] in
        var b = Array(m.utf8)
        while b.count > 1, b.last == 0x2F { b.removeLast() }
        return b
    }
    var found = [Bool](repeating: false, count: wanted.count)
    do throws(TarReadError) {
        while let h = try reader.next() {
            if ctx.out.isBroken { return }
            if !wanted.isEmpty {
                var name = h.name
                while name.count > 1, name.last == 0x2F { name.removeLast() }
                var hit = false
                for (i, w) in wanted.enumerated() {
                    if config.wildcards ? tarWildcardMatch(w, name)
                        : name == w || (name.count > w.count && name[w.count] == 0x2F && Array(name[0..<w.count]) == w) {
                        found[i] = true; hit = true
                    }
                }
                if !hit { continue }
            }
            if config.excludes.excludes(h.name) { continue }
            _ = body(h, h.name)
        }
        reader.finishRecord()
        if reader.loneZeroBlock { ctx.note("A lone zero block at \(reader.offset / 512)") }
    } catch {
        ctx.out.flush()
        switch error {
        case .notTar: ctx.warn("This does not look like a tar archive")
        case .badHeader: ctx.warn("Skipping to next header is not supported: damaged archive at byte \(reader.offset)")
        case .unexpectedEOF: ctx.warn("Unexpected EOF in archive")
        case .system(let e): ctx.warn("Read error at byte \(reader.offset): \(e.description)")
        }
    }
    var hinted = false
    for (i, w) in wanted.enumerated() where !found[i] {
        if !config.wildcards && config.wildcardsHint && !hinted && tarHasWildcards(w) {
            hinted = true
            ctx.note("Pattern matching characters used in file names")
            ctx.note("Use --wildcards to enable pattern matching, or --no-wildcards to suppress this warning")
        }
        ctx.warn("\(String(decoding: w, as: UTF8.self)): Not found in archive")
    }
}

// MARK: - create

/// `tar -c`: walks each operand with openat/fstatat relative to directory
/// descriptors (never by re-resolving whole paths), so a path under
/// /proc/PID/root stays inside that root below the operand.
final class TarCreate {
    let ctx: Context
    private(set) var out: OutputWriter
    private let closeOut: FileDescriptor?
    let verboseListing: TarListing?
    let numericOwner: Bool
    let names: TarNames
    let sanitizer: TarNameSanitizer
    private var links: [DevIno: [UInt8]] = [:]
    /// The name header() made before --transform (hard links point to it).
    private var storedName: [UInt8] = []
    private var archiveIdentity: DevIno?
    private let buffer: UnsafeMutableRawBufferPointer
    /// Reused: the header blocks of one member; zeros for padding.
    private var headerBytes: [UInt8] = []
    private let zeros = [UInt8](repeating: 0, count: 4096)
    /// The owner names of the last member (most members share them), for
    /// the tables of `namesRoot`.
    private var namesRoot: String?
    private var lastUser: (id: UInt32, name: [UInt8]?)?
    private var lastGroup: (id: UInt32, name: [UInt8]?)?
    private var written: UInt64 = 0
    /// The one directory walker, and whether it is walking an operand.
    private let walk = DirectoryWalk()
    private var walking = false

    /// Resolves the operands (and the archive); owns the process roots.
    let opener: PathOpener
    /// The process root the current operand is in (nil: the host), for names.
    private var currentRoot: ConfinedRoot?

    private var gzipWriter: TarGzipWriter?
    private var programWriter: TarProgramWriter?
    let config: TarConfig
    private let umaskValue: UInt32

    init(_ ctx: Context, archive: String, verbose: Int, numericOwner: Bool, gzip: Bool = false, config: TarConfig = TarConfig()) throws {
        self.ctx = ctx; self.numericOwner = numericOwner; self.config = config
        let m = umask(0); umask(m)
        umaskValue = UInt32(m)
        opener = PathOpener(procRoot: ctx.procfs.root)
        names = TarNames(ctx, verbose: verbose > 0)
        sanitizer = TarNameSanitizer(ctx)
        if archive == "-" {
            out = ctx.out; closeOut = nil
        } else {
            let fd: FileDescriptor
            do {
                let opened = try opener.open(archive, flags: O_WRONLY | O_CREAT | O_TRUNC)
                fd = opened.fd
                if opened.root != nil {   // openat2 creates with mode 0
                    let mask = umask(0); umask(mask)
                    _ = fchmod(fd.rawValue, 0o666 & ~mask)
                }
            } catch { throw ToolError.failure("\(archive): Cannot open: \(error.description)") }
            out = OutputWriter(.fd(fd))
            closeOut = fd
            // Only a regular file can end up inside itself (not /dev/null).
            if let st = try? fd.stat(), UInt32(st.st_mode) & 0o170000 == 0o100000 {
                archiveIdentity = DevIno(st)
            }
        }
        if let program = config.program {   // the compressor writes the archive
            let p = try TarProgramWriter(program: program, dest: closeOut ?? .standardOutput)
            programWriter = p
            out = OutputWriter(.fd(p.writeFD))
        } else if gzip {   // tar writes into a pipe; a thread compresses into the archive
            let g = try TarGzipWriter(dest: closeOut ?? .standardOutput, level: 6)
            gzipWriter = g
            out = OutputWriter(.fd(g.writeFD))
        }
        // With the archive on stdout, the verbose list goes to stderr.
        verboseListing = verbose > 0 ? TarListing(ctx, verbose: verbose, numericOwner: numericOwner, toStderr: archive == "-") : nil
        buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }
    deinit { buffer.deallocate() }

    /// The path the operand names, with -C applied to relative operands.
    func fullPath(_ operand: String, _ directory: String?) -> String {
        guard let d = directory, !operand.hasPrefix("/") else { return operand }
        return d.hasSuffix("/") ? d + operand : d + "/" + operand
    }

    func add(operand: String, directory: String?) {
        var raw = Array(operand.utf8)
        while raw.count > 1, raw.last == 0x2F { raw.removeLast() }
        let path = fullPath(String(decoding: raw, as: UTF8.self), directory)
        // Split into parent directory and last component. The operand's
        // own last component is not followed if it is a symlink, except
        // for `.`, `..`, `/` and a container root, which name directories.
        var p = Array(path.utf8)
        while p.count > 1, p.last == 0x2F { p.removeLast() }
        let slash = p.lastIndex(of: 0x2F)
        let base: [UInt8] = slash.map { Array(p[($0 + 1)...]) } ?? p
        let parent: String = slash.map { $0 == 0 ? "/" : String(decoding: p[..<$0], as: UTF8.self) } ?? "."
        // The parent is resolved by what it resolves to (PathOpener): a
        // parent through a process root is inside that root.
        let parentFD: FileDescriptor
        do {
            let opened = try opener.open(parent, flags: O_PATH | O_DIRECTORY)
            parentFD = opened.fd; currentRoot = opened.root
        } catch {
            // GNU names the operand only: `tar: f/x: Cannot stat: Not a directory`.
            let reason = (error as? PathError).map { $0.detail ?? $0.errno.message } ?? "\(error)"
            ctx.out.flush(); ctx.warn("\(operand): Cannot stat: \(reason)"); return
        }
        defer { parentFD.close() }
        var isRootLike = base.isEmpty || base == [0x2E] || base == [0x2E, 0x2E] || p == [0x2F]
        // A process root or working directory (a procfs magic link) names a directory.
        if !isRootLike, let link = try? FileDescriptor.open(String(decoding: base, as: UTF8.self), O_PATH | O_NOFOLLOW, relativeTo: parentFD) {
            isRootLike = (try? isMagicLink(link, parent: parentFD)) == true
            link.close()
        }
        if isRootLike {
            let fd: FileDescriptor
            // (The opener drops O_NOATIME itself when it is refused.)
            do {
                let opened = try opener.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOATIME)
                fd = opened.fd; currentRoot = opened.root
            } catch {
                ctx.out.flush(); ctx.warn("\(operand): Cannot open: \(error.description)"); return
            }
            guard let st = try? fd.stat() else { fd.close(); return }
            addDirectory(fd: fd, st: st, raw: raw, path: path)
            return
        }
        tarWithCName(base) { addEntry(parentFD, $0, raw: raw, path: path) }
    }

    /// Fills the common header fields from a stat.
    func header(_ st: Glibc_stat_t, raw: [UInt8], type: UInt8) -> TarHeader {
        storedName = config.absoluteNames ? raw : sanitizer.safe(raw)
        var h = TarHeader(name: config.transform?.apply(storedName, TarTransformScope.names) ?? storedName)
        h.typeflag = type
        h.mode = UInt32(st.st_mode) & 0o7777
        if let m = config.mode { h.mode = m.apply(h.mode, isDirectory: type == TarType.directory, umask: umaskValue) }
        let uid = config.ownerID ?? UInt32(st.st_uid), gid = config.groupID ?? UInt32(st.st_gid)
        h.uid = UInt64(uid); h.gid = UInt64(gid)
        h.mtime = Int64(st.st_mtim.tv_sec)
        if let t = config.mtime { h.mtime = t.0 }
        if !numericOwner {
            // --owner=NAME names the owner as given; a number is looked up
            // (GNU: in the host's tables; here in the tables of the files).
            let root = config.ownerID != nil || config.groupID != nil ? nil : currentRoot
            let key = root?.path ?? ""
            if key != namesRoot { namesRoot = key; lastUser = nil; lastGroup = nil }
            if lastUser?.id != uid {
                lastUser = (uid, (config.ownerName ?? names.tables(forRoot: root).users.name(uid)).map { Array($0.utf8) })
            }
            if lastGroup?.id != gid {
                lastGroup = (gid, (config.groupName ?? names.tables(forRoot: root).groups.name(gid)).map { Array($0.utf8) })
            }
            if let u = lastUser?.name { h.uname = u }
            if let g = lastGroup?.name { h.gname = g }
        }
        return h
    }

    func emit(_ h: TarHeader) {
        headerBytes.removeAll(keepingCapacity: true)
        Ustar.encode(h, into: &headerBytes)
        out.write(headerBytes)
        written += UInt64(headerBytes.count)
        // -v lists the names as given (GNU, without --show-transformed-names).
        verboseListing?.list(h, name: config.transform == nil ? h.name : storedName)
    }

    /// Archives the entry `base` (NUL-terminated) of `dir`, named `raw`;
    /// `path` (with -C) is made only when it is used (-h, an operand).
    func addEntry(_ dir: FileDescriptor, _ base: UnsafePointer<CChar>, raw: [UInt8], path: @autoclosure () -> String) {
        var shown: String { String(decoding: raw, as: UTF8.self) }
        if config.excludes.excludes(raw) { return }
        var st: Glibc_stat_t
        do { st = try fileStatus(cPath: base, relativeTo: dir, followSymlinks: false) } catch {
            ctx.out.flush(); ctx.warn("\(shown): Cannot stat: \(error.description)"); return
        }
        var fmt = UInt32(st.st_mode) & UInt32(S_IFMT)
        // -h: what the link resolves to, resolved as a whole path by the
        // opener (inside the container under /proc/PID/root), then used
        // through that descriptor only.
        var followed: FileDescriptor? = nil
        defer { followed?.close() }
        if config.dereference && fmt == UInt32(S_IFLNK) {
            do {
                let o = try opener.open(path(), flags: O_PATH)
                followed = o.fd
                st = try o.fd.stat()
            } catch {
                let reason = (error as? PathError).map { $0.detail ?? $0.errno.message } ?? ((error as? Errno)?.description ?? "\(error)")
                ctx.out.flush(); ctx.warn("\(shown): Cannot stat: \(reason)"); return
            }
            fmt = UInt32(st.st_mode) & UInt32(S_IFMT)
        }
        /// Opens the entry (through the followed link's descriptor with -h).
        func openEntry(_ flags: Int32) throws(Errno) -> FileDescriptor {
            if followed != nil {
                // The same path again, checked below to be the same inode.
                do { return try opener.open(path(), flags: (flags & ~O_NOFOLLOW) | O_NOATIME).fd } catch { throw error.errno }
            }
            return try openNoAtime(flags | O_NOATIME) { f throws(Errno) in try FileDescriptor.open(cPath: base, f, relativeTo: dir) }
        }
        let key = DevIno(st)
        if key == archiveIdentity {
            ctx.note("\(shown): file is the archive; not dumped"); return
        }
        // With -h, a file reached twice (through links) is stored once and
        // then as a hard link to it, as GNU does.
        let linkable = st.st_nlink > 1 || config.dereference
        if fmt != UInt32(S_IFDIR), linkable, let first = links[key] {
            var h = header(st, raw: raw, type: TarType.hardLink)
            h.linkname = config.transform?.apply(first, TarTransformScope.hardLinks) ?? first
            emit(h)
            return
        }
        switch fmt {
        case UInt32(S_IFREG) where st.st_size == 0 && followed == nil:
            // Nothing to read: the header comes from the lstat, and the file
            // is not opened (GNU tar opens no empty file either; 20,000 empty
            // files were 20,000 opens, fstats and closes: bench/tar.py).
            var h = header(st, raw: raw, type: TarType.regular)
            h.size = 0
            if st.st_nlink > 1 || config.dereference { links[key] = storedName }
            emit(h)
        case UInt32(S_IFREG):
            let fd: FileDescriptor
            do { fd = try openEntry(O_RDONLY | O_NOFOLLOW | O_NONBLOCK) } catch {
                ctx.out.flush(); ctx.warn("\(shown): Cannot open: \(error.description)"); return
            }
            defer { fd.close() }
            let fst = (try? fd.stat()) ?? st
            guard UInt32(fst.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG), fst.st_ino == st.st_ino else {
                ctx.out.flush(); ctx.warn("\(shown): file changed as we read it"); return
            }
            var h = header(fst, raw: raw, type: TarType.regular)
            h.size = UInt64(max(0, fst.st_size))
            if fst.st_nlink > 1 || config.dereference { links[key] = storedName }
            // -S: a file with fewer blocks than its size (GNU's test) is
            // stored as its data regions.
            h.sparseMap = config.sparse && Int64(fst.st_blocks) * 512 < Int64(fst.st_size) ? tarDataRegions(fd, size: h.size) : nil
            emit(h)
            if let map = h.sparseMap {
                var stored: UInt64 = 0
                for i in stride(from: 0, to: map.count, by: 2) where map[i + 1] > 0 {
                    _ = lseek(fd.rawValue, off_t(map[i]), SEEK_SET)
                    copyData(fd, size: map[i + 1], shown: shown, padded: false)
                    stored += map[i + 1]
                }
                pad(Ustar.padding(stored)); written += UInt64(Ustar.padding(stored))
            } else {
                copyData(fd, size: h.size, shown: shown)
            }
            // GNU tar's check: the file grew or was rewritten meanwhile.
            if let after = try? fd.stat(), after.st_size != fst.st_size || after.st_mtim.tv_sec != fst.st_mtim.tv_sec
                || after.st_mtim.tv_nsec != fst.st_mtim.tv_nsec {
                ctx.out.flush(); ctx.warn("\(shown): file changed as we read it")
            }
        case UInt32(S_IFDIR):
            let fd: FileDescriptor
            do { fd = try openEntry(O_RDONLY | O_DIRECTORY | O_NOFOLLOW) } catch {
                ctx.out.flush(); ctx.warn("\(shown): Cannot open: \(error.description)"); return
            }
            addDirectory(fd: fd, st: st, raw: raw, path: walking ? "" : path(), followed: followed != nil)
        case UInt32(S_IFLNK):
            let target: [UInt8]
            do { target = try tarReadLink(dir, base) } catch {
                ctx.out.flush(); ctx.warn("\(shown): Cannot readlink: \(error.description)"); return
            }
            var h = header(st, raw: raw, type: TarType.symlink)
            h.linkname = config.transform?.apply(target, TarTransformScope.symlinks) ?? target
            if st.st_nlink > 1 { links[key] = storedName }
            emit(h)
        case UInt32(S_IFCHR), UInt32(S_IFBLK), UInt32(S_IFIFO):
            let type = fmt == UInt32(S_IFCHR) ? TarType.character : fmt == UInt32(S_IFBLK) ? TarType.block : TarType.fifo
            var h = header(st, raw: raw, type: type)
            h.devmajor = UInt32(truncatingIfNeeded: devMajor(UInt64(st.st_rdev)))
            h.devminor = UInt32(truncatingIfNeeded: devMinor(UInt64(st.st_rdev)))
            if st.st_nlink > 1 { links[key] = storedName }
            emit(h)
        case UInt32(S_IFSOCK):
            ctx.note("\(shown): socket ignored")
        default:
            ctx.note("\(shown): unknown file type; not dumped")
        }
    }

    /// Archives a directory (header, then its entries in name order) and
    /// closes `fd` (`path`: the operand's path with -C; unused by a
    /// directory met during the walk).
    /// closes `fd`. The first one of an operand starts the one directory
    /// walker (bounded descriptors, no recursion); the ones met while it
    /// runs are entered into it (`followed`: reached through a link, -h).
    func addDirectory(fd: FileDescriptor, st: Glibc_stat_t, raw: [UInt8], path: String, followed: Bool = false) {
        var h = header(st, raw: raw, type: TarType.directory)
        if h.name.last != 0x2F { h.name.append(0x2F) }
        if storedName.last != 0x2F { storedName.append(0x2F) }
        emit(h)
        if walking {
            // The walk records what the descriptor is (not what lstat saw).
            guard let st = try? fd.stat() else {
                let e = Errno.current
                fd.close(); ctx.out.flush(); ctx.warn("\(String(decoding: raw, as: UTF8.self)): Cannot open: \(e.description)"); return
            }
            // A directory being archived, met again (-h through a link, or a
            // bind mount): its entries are not archived twice, nor forever.
            if let loop = walk.depth(of: UInt64(st.st_dev), UInt64(st.st_ino)) {
                fd.close()
                let first = String(decoding: walk.path[0..<walk.pathLength(at: loop)], as: UTF8.self)
                ctx.out.flush(); ctx.warn("\(String(decoding: raw, as: UTF8.self)): file system loop detected (the same directory as '\(first)'); not descending")
                return
            }
            walk.enter(fd, st, followed: followed)
            readDirectory(raw)
            return
        }
        do { try walk.start(fd, name: raw) } catch {
            ctx.out.flush(); ctx.warn("\(String(decoding: raw, as: UTF8.self)): Cannot open: \(error.description)"); return
        }
        walking = true
        defer { walking = false; walk.finish() }
        let top = raw.count
        /// The path (with -C) of an entry the walk is at.
        func fullPath(_ p: [UInt8]) -> String {
            var rel = p[top...]
            if rel.first == 0x2F { rel = rel.dropFirst() }
            return rel.isEmpty ? path : joinPath(path, String(decoding: rel, as: UTF8.self))
        }
        walk.reopenFollowed = config.dereference ? { [opener] p throws(Errno) in
            do throws(PathError) { return try opener.open(fullPath(p), flags: O_RDONLY | O_DIRECTORY | O_NOATIME).fd } catch { throw error.errno }
        } : nil
        readDirectory(raw)
        while !(out.isBroken || out.failure != nil) {
            guard let e = walk.next() else {
                if walk.depth == 0 { return }
                if let lost = walk.leave() {
                    ctx.out.flush(); ctx.warn("\(String(decoding: lost.path, as: UTF8.self)): \(lost.message)")
                }
                continue
            }
            let entryRaw = walk.path
            addEntry(walk.directory, e.name, raw: entryRaw, path: fullPath(entryRaw))
        }
    }

    /// The walk's current directory's entries, sorted by name (a read error
    /// is reported; what was read is archived).
    private func readDirectory(_ raw: [UInt8]) {
        do { try walk.read() } catch {
            ctx.out.flush(); ctx.warn("\(String(decoding: raw, as: UTF8.self)): Cannot read: \(error.description)")
        }
        walk.sortByName()
    }

    /// Copies exactly `size` bytes; a file that shrank is padded with zeros
    /// (GNU tar does the same and warns).
    func copyData(_ fd: FileDescriptor, size: UInt64, shown: @autoclosure () -> String, padded: Bool = true) {
        var left = size
        // Into a pipe (stdout, or the gzip thread's), the data moves from the
        // file to the pipe inside the kernel (splice); where splice cannot be
        // used, and for any error, the read/write loop below takes over at
        // the same offset. The pipe holds references to the file's pages
        // until the reader copies them, so a file rewritten meanwhile may
        // give the newer bytes for up to a pipe's worth of data; the sizes
        // were committed in the header, so the archive stays well-formed
        // (as with GNU tar reading a file that changes under it).
        while left > 0, let n = out.splice(from: fd, count: Int(min(left, 1 << 30))) {
            if n == 0 {
                ctx.out.flush(); ctx.warn("\(shown()): File shrank by \(left) bytes; padding with zeros")
                pad(Int(left)); left = 0
                break
            }
            left -= UInt64(n)
        }
        while left > 0 {
            let want = Int(min(left, UInt64(buffer.count)))
            let n: Int
            do { n = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])) } catch {
                ctx.out.flush(); ctx.warn("\(shown()): Read error: \(error.description); padding with zeros")
                break
            }
            if n == 0 {
                ctx.out.flush(); ctx.warn("\(shown()): File shrank by \(left) bytes; padding with zeros")
                break
            }
            out.write(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
            left -= UInt64(n)
        }
        if left > 0 { pad(Int(left)) }
        written += size
        if padded { pad(Ustar.padding(size)); written += UInt64(Ustar.padding(size)) }
    }

    private func pad(_ n: Int) {
        var n = n
        zeros.withUnsafeBufferPointer { z in
            while n > 0 {
                let k = min(n, z.count)
                out.write(Bytes(rebasing: z[0..<k]))
                n -= k
            }
        }
    }

    /// Two zero blocks, then zeros to a whole 10240-byte record.
    func finish() throws {
        var end = UInt64(2 * Ustar.blockSize)
        let total = written + end
        end += (UInt64(Ustar.recordSize) - total % UInt64(Ustar.recordSize)) % UInt64(Ustar.recordSize)
        pad(Int(end))
        out.flush()
        try gzipWriter?.finish()
        try programWriter?.finish()
        if let fd = closeOut {
            let failure = out.failure
            fd.close()
            if let f = failure { throw ToolError.failure("write error: \(f.description)") }
        }
    }
}

/// A file's identity (st_dev, st_ino).
struct DevIno: Hashable {
    let dev: UInt64; let ino: UInt64
    init(dev: UInt64, ino: UInt64) { self.dev = dev; self.ino = ino }
    init(_ st: Glibc_stat_t) { dev = UInt64(st.st_dev); ino = UInt64(st.st_ino) }
}

// MARK: - extract

/// `tar -x`: every member is created relative to the destination
/// directory's descriptor, one path component at a time with O_NOFOLLOW,
/// so nothing — not `..`, not an absolute name, not a symlink the archive
/// made a moment earlier — can put a file outside it.
final class TarExtract {
    let ctx: Context
    let dest: FileDescriptor
    let destPath: String
    let sameOwner: Bool
    let samePermissions: Bool
    let touch: Bool
    let numericOwner: Bool
    let umaskValue: mode_t
    let sanitizer: TarNameSanitizer
    let names: (users: IDNames, groups: IDNames)
    /// Directories whose mode and times are set at the end, with the
    /// identity (st_dev, st_ino) of the directory created or found then.
    private var delayed: [(components: [[UInt8]], name: String, h: TarHeader, id: DevIno)] = []
    private var parentCache: (components: [[UInt8]], fd: FileDescriptor)?
    private let buffer: UnsafeMutableRawBufferPointer

    let config: TarConfig
    /// With -P: the destination's components below `dest`, which is then
    /// the root DIR is in (the container's, or `/`).
    private var destComponents: [[UInt8]] = []

    init(_ ctx: Context, directory: String, sameOwner: Bool, samePermissions: Bool, touch: Bool, numericOwner: Bool,
         config: TarConfig = TarConfig()) throws {
        self.ctx = ctx; destPath = directory; self.config = config
        self.sameOwner = sameOwner; self.samePermissions = samePermissions
        self.touch = touch; self.numericOwner = numericOwner
        let opener = PathOpener(procRoot: ctx.procfs.root)
        let opened: OpenedPath
        do { opened = try opener.open(directory, flags: O_PATH | O_DIRECTORY) } catch {
            throw ToolError.failure("\(directory): Cannot open: \(error.description)")
        }
        if config.absoluteNames {
            // -P: names are taken from the root DIR is in, so `/etc/x` in a
            // container's directory lands in the container's /etc.
            let root: Int32
            if let r = opened.root { root = fcntl(r.fd.rawValue, F_DUPFD_CLOEXEC, 0) } else { root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) }
            guard root >= 0 else { throw ToolError.failure("\(directory): Cannot open: \(Errno.current.description)") }
            opened.fd.close()
            dest = FileDescriptor(rawValue: root)
            destComponents = Ustar.components(Array(opened.inner.utf8)) ?? []
        } else {
            dest = opened.fd
        }
        let m = umask(0); umask(m)
        umaskValue = m
        sanitizer = TarNameSanitizer(ctx)
        names = TarNames(ctx).tables(forRoot: opened.root)
        buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }
    deinit {
        buffer.deallocate()
        dropParentCache()
        dest.close()
    }

    private func dropParentCache() {
        if let c = parentCache { c.fd.close(); parentCache = nil }
    }

    /// Opens the directory `components` below the destination, creating
    /// missing ones; no symlink is followed (O_NOFOLLOW on each step).
    private func openDirectory(_ components: ArraySlice<[UInt8]>, create: Bool) throws(Errno) -> FileDescriptor {
        var cur = try FileDescriptor.open(".", O_PATH | O_DIRECTORY, relativeTo: dest)
        for c in components {
            let next: FileDescriptor
            do { next = try tarOpen(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW) } catch {
                guard error == .noSuchFile, create else { cur.close(); throw error }
                let r = tarWithCName(c) { mkdirat(cur.rawValue, $0, 0o777) }
                if r != 0, errno != EEXIST { let e = Errno.current; cur.close(); throw e }
                do { next = try tarOpen(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW) } catch { cur.close(); throw error }
            }
            cur.close()
            cur = next
        }
        return cur
    }

    /// The parent directory of a member (cached for runs of members in
    /// the same directory). The returned descriptor is owned by the cache.
    private func parent(_ components: [[UInt8]]) throws(Errno) -> FileDescriptor {
        let dirs = Array(components.dropLast())
        if let c = parentCache, c.components == dirs { return c.fd }
        dropParentCache()
        let fd = try openDirectory(dirs[...], create: true)
        parentCache = (dirs, fd)
        return fd
    }

    /// Removes whatever is at `name` so a member can take its place (an
    /// empty directory too, as GNU tar does).
    /// (The parent cache stays valid: what is removed is inside the cached
    /// parent, and a member in another directory walks afresh.)
    private func remove(_ dir: FileDescriptor, _ name: [UInt8]) -> Bool {
        if config.oldFiles == .keep { return false }   // -k: the EEXIST is reported
        if tarWithCName(name, { unlinkat(dir.rawValue, $0, 0) }) == 0 { return true }
        if errno == EISDIR || errno == EPERM {
            return tarWithCName(name, { unlinkat(dir.rawValue, $0, AT_REMOVEDIR) }) == 0
        }
        return false
    }

    func ownerIDs(_ h: TarHeader) -> (uid_t, gid_t) {
        var uid = uid_t(truncatingIfNeeded: h.uid), gid = gid_t(truncatingIfNeeded: h.gid)
        if !numericOwner {
            if !h.uname.isEmpty, let u = names.users.id(String(decoding: h.uname, as: UTF8.self)) { uid = u }
            if !h.gname.isEmpty, let g = names.groups.id(String(decoding: h.gname, as: UTF8.self)) { gid = g }
        }
        return (uid, gid)
    }

    /// Without --same-permissions GNU tar applies the umask and drops the
    /// setuid, setgid and sticky bits.
    var modeMask: mode_t { samePermissions ? 0o7777 : 0o777 & ~umaskValue }

    func times(_ h: TarHeader) -> [timespec] {
        [timespec(tv_sec: 0, tv_nsec: tarUtimeNow),
         timespec(tv_sec: time_t(h.mtime), tv_nsec: Int(h.mtimeNanoseconds))]
    }

    func fail(_ name: String, _ what: String, _ e: Errno) {
        ctx.out.flush()
        ctx.warn("\(name): \(what): \(e.description)")
    }

    /// Extracts one member; false if it failed (already reported).
    /// The components of a member name below `dest`: without -P, nil for
    /// a name with `..`; with -P, absolute names start at the root and `..`
    /// is resolved in the text, never above the root.
    func memberComponents(_ raw: [UInt8]) -> [[UInt8]]? {
        if !config.absoluteNames { return Ustar.components(raw) }
        if raw.contains(0) { return nil }
        var out = raw.first == 0x2F ? [] : destComponents
        for c in raw.split(separator: 0x2F, omittingEmptySubsequences: true) {
            if c.elementsEqual([0x2E]) { continue }
            if c.elementsEqual([0x2E, 0x2E]) { if !out.isEmpty { out.removeLast() }; continue }
            out.append(Array(c))
        }
        return out
    }

    /// `name` without its first --strip-components components (nil: fewer).
    func stripped(_ name: [UInt8]) -> [UInt8]? {
        if config.stripComponents == 0 { return name }
        return tarStrippedPrefix(name, config.stripComponents).map { Array(name[$0...]) }
    }

    func extract(_ h: TarHeader, name original: [UInt8], reader: TarReader) -> Bool {
        guard let raw = stripped(original) else { return true }
        let shown = String(decoding: raw, as: UTF8.self)
        if !config.absoluteNames { _ = sanitizer.safe(raw) }
        guard let comps = memberComponents(raw) else {
            ctx.out.flush(); ctx.warn("\(shown): Member name contains '..'")
            return false
        }
        switch h.typeflag {
        case TarType.gnuMultiVolume:
            ctx.out.flush(); ctx.warn("\(shown): GNU multi-volume members are not supported; skipped")
            return false
        case TarType.gnuVolume:
            return true
        default: break
        }
        var h = h
        if h.typeflag == TarType.gnuDumpDir { h.typeflag = TarType.directory }
        if config.oldFiles == .skip, comps.isEmpty ? !config.absoluteNames
            : (try? parent(comps)).map({ (try? tarLstat($0, comps[comps.count - 1])) != nil }) == true {
            if config.verbose {
                var n = raw
                while n.count > 1, n.last == 0x2F { n.removeLast() }
                ctx.out.flush(); ctx.note("\(String(decoding: n, as: UTF8.self)): skipping existing file")
            }
            return true
        }
        if comps.isEmpty {
            // `./` or `/`: the destination itself. Only a directory applies.
            if h.typeflag == TarType.directory, !config.absoluteNames, config.oldFiles != .keep, let st = try? dest.stat() {
                delayed.append(([], shown, h, DevIno(st)))
            }
            return true
        }
        let dir: FileDescriptor
        do { dir = try parent(comps) } catch {
            fail(shown, "Cannot open", error); return false
        }
        let base = comps[comps.count - 1]
        switch h.typeflag {
        case TarType.directory:
            var r = tarWithCName(base) { mkdirat(dir.rawValue, $0, 0o700) }
            if r != 0 && errno == EEXIST {
                if let st = try? tarLstat(dir, base), UInt32(st.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR) {
                    // -k: a directory that exists keeps its attributes (GNU).
                    if config.oldFiles == .keep { return true }
                    r = 0
                } else if remove(dir, base) {
                    r = tarWithCName(base) { mkdirat(dir.rawValue, $0, 0o700) }
                }
            }
            if r != 0 { fail(shown, "Cannot mkdir", .current); return false }
            // Remember which directory this is: the final pass sets its
            // mode on that inode only, whatever its name has become.
            guard let d = try? tarOpen(dir, base, O_PATH | O_DIRECTORY | O_NOFOLLOW) else {
                fail(shown, "Cannot mkdir", .current); return false
            }
            defer { d.close() }
            guard let st = try? d.stat() else { fail(shown, "Cannot stat", .current); return false }
            delayed.append((comps, shown, h, DevIno(st)))
        case TarType.symlink:
            var r = tarWithCName(h.linkname) { t in tarWithCName(base) { symlinkat(t, dir.rawValue, $0) } }
            if r != 0 && errno == EEXIST && remove(dir, base) {
                r = tarWithCName(h.linkname) { t in tarWithCName(base) { symlinkat(t, dir.rawValue, $0) } }
            }
            if r != 0 {
                fail(shown, "Cannot create symlink to '\(String(decoding: h.linkname, as: UTF8.self))'", .current); return false
            }
            guard let fd = createdObject(dir, base, type: mode_t(S_IFLNK), shown: shown) else { return false }
            defer { fd.close() }
            setAttributes(fd, h, shown: shown, symlink: true)
        case TarType.hardLink:
            let target = stripped(h.linkname) ?? h.linkname
            guard let tcomps = memberComponents(target), !tcomps.isEmpty else {
                ctx.out.flush(); ctx.warn("\(shown): Cannot hard link to '\(String(decoding: target, as: UTF8.self))': invalid link target")
                return false
            }
            if !config.absoluteNames { _ = sanitizer.safe(target, what: "hard link targets") }
            let tdir: FileDescriptor
            do { tdir = try openDirectory(tcomps.dropLast()[...], create: false) } catch {
                fail(shown, "Cannot hard link to '\(String(decoding: target, as: UTF8.self))'", error); return false
            }
            defer { tdir.close() }
            let tbase = tcomps[tcomps.count - 1]
            var r = tarWithCName(tbase) { t in tarWithCName(base) { linkat(tdir.rawValue, t, dir.rawValue, $0, 0) } }
            let linkError = r == 0 ? 0 : errno
            if linkError == EEXIST {
                // Already that file (`tar cf x.tar f g f` stores the second
                // `f` as a link to itself): done, as GNU tar. Otherwise the
                // name is replaced only when the target exists, so a failed
                // link never destroys what was extracted before.
                guard let t = try? tarLstat(tdir, tbase) else {
                    fail(shown, "Cannot hard link to '\(String(decoding: target, as: UTF8.self))'", .noSuchFile); return false
                }
                if let n = try? tarLstat(dir, base), DevIno(n) == DevIno(t) { return true }
            }
            if linkError == EEXIST && remove(dir, base) {
                r = tarWithCName(tbase) { t in tarWithCName(base) { linkat(tdir.rawValue, t, dir.rawValue, $0, 0) } }
            }
            if r != 0 {
                fail(shown, "Cannot hard link to '\(String(decoding: target, as: UTF8.self))'", .current); return false
            }
        case TarType.character, TarType.block, TarType.fifo:
            let kind: mode_t = h.typeflag == TarType.character ? mode_t(S_IFCHR) : h.typeflag == TarType.block ? mode_t(S_IFBLK) : mode_t(S_IFIFO)
            let dev = dev_t(tarMakeDev(h.devmajor, h.devminor))
            var r = tarWithCName(base) { mknodat(dir.rawValue, $0, kind | 0o600, dev) }
            if r != 0 && errno == EEXIST && remove(dir, base) {
                r = tarWithCName(base) { mknodat(dir.rawValue, $0, kind | 0o600, dev) }
            }
            if r != 0 { fail(shown, "Cannot mknod", .current); return false }
            guard let fd = createdObject(dir, base, type: kind, shown: shown) else { return false }
            defer { fd.close() }
            setAttributes(fd, h, shown: shown, symlink: false)
        default:
            if h.typeflag != TarType.regular && h.typeflag != TarType.regularOld && h.typeflag != TarType.contiguous {
                ctx.note("\(shown): Unknown file type '\(String(decoding: [h.typeflag], as: UTF8.self))', extracted as normal file")
            }
            return extractFile(dir, base, h, shown: shown, reader: reader)
        }
        return true
    }

    /// `-O`: the contents of regular members, concatenated on stdout.
    func extractToStdout(_ h: TarHeader, name raw: [UInt8], reader: TarReader) -> Bool {
        switch h.typeflag {
        case TarType.regular, TarType.regularOld, TarType.contiguous: break
        default: return true
        }
        var at: UInt64 = 0
        func zeros(to end: UInt64) {
            while at < end && !ctx.out.isBroken { let n = min(end - at, 4096); ctx.out.write([UInt8](repeating: 0, count: Int(n))); at += n }
        }
        do throws(TarReadError) {
            _ = try tarSparseData(h, reader) { chunk, offset throws(Errno) in
                zeros(to: offset)
                if !ctx.out.isBroken { ctx.out.write(chunk.assumingMemoryBound(to: UInt8.self)) }
                at = offset + UInt64(chunk.count)
            }
            zeros(to: h.size)
        } catch { return false }
        return true
    }

    private func extractFile(_ dir: FileDescriptor, _ base: [UInt8], _ h: TarHeader, shown: String, reader: TarReader) -> Bool {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
        var fd: FileDescriptor
        // --overwrite: a regular file with one link is rewritten in place
        // (opened without following a symlink, checked, then truncated).
        fd = FileDescriptor(rawValue: -1)
        if config.oldFiles == .overwrite, let probe = try? tarOpen(dir, base, O_PATH | O_NOFOLLOW) {
            if let st = try? probe.stat(), st.st_mode & S_IFMT == S_IFREG, st.st_nlink == 1,
               let w = try? tarOpen(dir, base, O_WRONLY | O_NOFOLLOW | O_NONBLOCK) {
                if let st2 = try? w.stat(), DevIno(st2) == DevIno(st), ftruncate(w.rawValue, 0) == 0 { fd = w } else { w.close() }
            }
            probe.close()
        }
        if fd.rawValue < 0 {
            do { fd = try tarOpen(dir, base, flags, mode: 0o600) } catch {
                guard error == .exists, remove(dir, base) else { fail(shown, "Cannot open", error); return false }
                do { fd = try tarOpen(dir, base, flags, mode: 0o600) } catch { fail(shown, "Cannot open", error); return false }
            }
        }
        defer { fd.close() }
        do throws(TarReadError) {
            // Sparse regions are written at their offsets: the holes stay holes.
            let sparse = h.sparseMap != nil
            if let e = try tarSparseData(h, reader, { chunk, offset throws(Errno) in
                if sparse, lseek(fd.rawValue, off_t(offset), SEEK_SET) < 0 { throw Errno.current }
                try fd.writeAll(chunk)
            }) ?? (sparse && ftruncate(fd.rawValue, off_t(h.size)) != 0 ? Errno.current : nil) {
                fail(shown, "Cannot write", e); return false
            }
        } catch {
            // The archive itself is damaged; readArchive reports it next.
            return false
        }
        if sameOwner {
            let (u, g) = ownerIDs(h)
            if fchown(fd.rawValue, u, g) != 0 {
                fail(shown, "Cannot change ownership to uid \(u), gid \(g)", .current)
            }
        }
        let mode = mode_t(h.mode) & modeMask
        if fchmod(fd.rawValue, mode) != 0 { fail(shown, "Cannot change mode to \(modeText(mode))", .current) }
        if !touch {
            let t = times(h)
            if t.withUnsafeBufferPointer({ futimens(fd.rawValue, $0.baseAddress) }) != 0 {
                fail(shown, "Cannot utime", .current)
            }
        }
        return true
    }

    private func modeText(_ m: mode_t) -> String {
        let l = TarListing(ctx, verbose: 0, numericOwner: true)
        var h = TarHeader(name: [])
        h.mode = UInt32(m)
        return String(l.modeString(h).dropFirst())
    }

    /// An O_PATH descriptor of the symlink, device or fifo this process has
    /// just made at `base`: opened without following a symlink, and checked
    /// to be of `type`, owned by this process and with one link, so a name
    /// swapped in the meantime (for a symlink, or a link to another file) is
    /// never changed. nil, reported, when it is not.
    private func createdObject(_ dir: FileDescriptor, _ base: [UInt8], type: mode_t, shown: String) -> FileDescriptor? {
        let fd: FileDescriptor
        do { fd = try tarOpen(dir, base, O_PATH | O_NOFOLLOW) } catch { fail(shown, "Cannot open", error); return nil }
        guard let st = try? fd.stat(), st.st_mode & S_IFMT == type, st.st_uid == geteuid(), st.st_nlink == 1 else {
            fd.close()
            ctx.out.flush(); ctx.warn("\(shown): Cannot set attributes: replaced by another file during extraction")
            return nil
        }
        return fd
    }

    /// Owner, mode and mtime of a symlink, device, fifo or directory, set
    /// on its descriptor (O_PATH: fchownat/utimensat with AT_EMPTY_PATH,
    /// fchmodat2, or /proc/self/fd/N), never through its name.
    private func setAttributes(_ fd: FileDescriptor, _ h: TarHeader, shown: String, symlink: Bool) {
        if sameOwner {
            let (u, g) = ownerIDs(h)
            if cshim_fd_chown(fd.rawValue, u, g) != 0 {
                fail(shown, "Cannot change ownership to uid \(u), gid \(g)", .current)
            }
        }
        if !symlink {
            let mode = mode_t(h.mode) & modeMask
            if cshim_fd_chmod(fd.rawValue, UInt32(mode)) != 0 {
                fail(shown, "Cannot change mode to \(modeText(mode))", .current)
            }
        }
        if !touch {
            let t = times(h)
            if t.withUnsafeBufferPointer({ cshim_fd_utimens(fd.rawValue, $0.baseAddress) }) != 0 {
                fail(shown, "Cannot utime", .current)
            }
        }
    }

    /// Directory modes and times are set last, deepest first (creating
    /// their entries changed the mtimes, and a read-only mode would have
    /// stopped the extraction).
    func finish() {
        dropParentCache()
        for d in delayed.reversed() {
            let parentFD: FileDescriptor
            do { parentFD = try openDirectory(d.components.dropLast()[...], create: false) } catch {
                fail(d.name, "Cannot open", error); continue
            }
            defer { parentFD.close() }
            let base: [UInt8] = d.components.last ?? [0x2E]
            // The directory made earlier, by identity: a symlink or another
            // directory planted under its name since is left alone.
            guard let fd = try? tarOpen(parentFD, base, O_PATH | O_DIRECTORY | O_NOFOLLOW) else { continue }
            defer { fd.close() }
            guard let st = try? fd.stat(), DevIno(st) == d.id else { continue }
            setAttributes(fd, d.h, shown: d.name, symlink: false)
        }
        delayed.removeAll()
    }
}

/// GNU tar's report when the decompressor failed: its lines, then exit 2.
private func tarDecompressorFailed(_ ctx: Context, _ report: [String]) -> Int32 {
    ctx.out.flush()
    for line in report { ctx.err.write(line + "\n") }
    ctx.err.write("tar: Error is not recoverable: exiting now\n")
    return 2
}
