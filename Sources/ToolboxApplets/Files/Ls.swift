import ToolboxCore

let lsApplet = Applet(spec: AppletSpec(
    name: "ls",
    summary: "List directory contents like GNU ls; paths through /proc/PID/root are resolved inside that container",
    usage: ["[-1aAbBcCdfFgGhHiklLmnNopqQrRsStuUvxXZ] [-w COLS] [-I PATTERN] [--color[=WHEN]] [--verbose] [FILE...]"],
    details: """
    Output follows GNU ls in the C locale: one name per line to a pipe, columns
    on a terminal; names sorted in byte order; on a terminal names are quoted
    as a shell would need them (shell-escape) with nongraphic bytes as escapes,
    elsewhere printed as they are (QUOTING_STYLE sets the default style).
    Colours (--color) follow GNU's defaults and LS_COLORS (TERM or COLORTERM
    must name a colour terminal when LS_COLORS is unset, as GNU).
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
        .flag("h", "human-readable", "sizes like 1.5K 12M (with -l and -s)"),
        .flag("n", "numeric-uid-gid", "like -l, with numeric user and group ids"),
        .flag("i", "inode", "print the inode number of each file"),
        .flag("t", nil, "sort by time (modification, or -c/-u/--time), newest first"),
        .flag("S", nil, "sort by size, largest first"),
        .flag("r", "reverse", "reverse the sort order"),
        .flag("1", nil, "one entry per line (the default when the output is not a terminal)"),
        .flag("C", nil, "entries in columns (the default on a terminal; width from -w, the terminal or COLUMNS)"),
        .optionalValue("F", "classify", "WHEN", "append an indicator: / directory, * executable, @ symlink, | fifo, = socket; WHEN: always (default), auto, never"),
        .flag("x", nil, "entries in rows, filled across"),
        .flag("m", nil, "entries separated by commas, filling the width"),
        .value("w", "width", "COLS", "line width (0: no limit)"),
        .value("T", "tabsize", "COLS", "tab stops every COLS columns when padding (0: spaces only)"),
        .value(nil, "format", "WORD", "across/horizontal (-x), commas (-m), long/verbose (-l), single-column (-1), vertical (-C)"),
        .flag("o", nil, "like -l, without the group"),
        .flag("g", nil, "like -l, without the owner"),
        .flag("G", "no-group", "in a long listing, without the group"),
        .flag("s", "size", "print the allocated size of each file in blocks (1024 bytes)"),
        .flag("k", "kibibytes", "1024-byte blocks for -s and the total"),
        .flag(nil, "si", "like -h, in powers of 1000"),
        .value(nil, "block-size", "SIZE", "sizes (-l) and blocks (-s) in units of SIZE: 1024, 1K, K, KB, KiB, M... (a suffix alone is shown)"),
        .flag("U", nil, "do not sort: directory order"),
        .flag("f", nil, "like -aU, and no -l, -s or colour"),
        .flag("X", nil, "sort by extension"),
        .flag("v", nil, "natural sort of version numbers within names"),
        .value(nil, "sort", "WORD", "none (-U), size (-S), time (-t), version (-v), extension (-X), width"),
        .flag("c", nil, "use the status change time (-l shows it, -t sorts by it; alone: sort by it)"),
        .flag("u", nil, "use the access time (as -c)"),
        .value(nil, "time", "WORD", "atime/access/use (-u), ctime/status (-c), birth/creation"),
        .value(nil, "time-style", "STYLE", "full-iso, long-iso, iso, locale, or +FORMAT (strftime with %N; a newline splits old/recent formats)"),
        .flag(nil, "full-time", "like -l --time-style=full-iso"),
        .flag(nil, "group-directories-first", "list directories (and links to them) before other files"),
        .flag("p", nil, "append / to directories (--indicator-style=slash)"),
        .flag(nil, "file-type", "like -F, without * (--indicator-style=file-type)"),
        .value(nil, "indicator-style", "WORD", "none, slash (-p), file-type (--file-type), classify (-F)"),
        .flag("L", "dereference", "show the file each symbolic link names (inside the container under /proc/PID/root)"),
        .flag("H", "dereference-command-line", "follow symbolic links given as operands"),
        .value("I", "ignore", "PATTERN", "skip entries whose name matches the shell PATTERN"),
        .value(nil, "hide", "PATTERN", "like -I, unless -a or -A"),
        .flag("B", "ignore-backups", "skip entries ending with ~"),
        .flag("Z", "context", "print the security context of each file ('?': no SELinux labels are read)"),
        .optionalValue(nil, "color", "WHEN", "colour names by type: always (default WHEN), auto (on a terminal), never"),
        .value(nil, "quoting-style", "WORD", "literal, shell, shell-always, shell-escape, shell-escape-always, c, c-maybe, escape, locale, clocale"),
        .flag("Q", "quote-name", "names in double quotes with C escapes (--quoting-style=c)"),
        .flag("b", "escape", "C escapes for nongraphic characters (--quoting-style=escape)"),
        .flag("N", "literal", "names as they are (--quoting-style=literal)"),
        .flag("q", "hide-control-chars", "nongraphic characters as ? (the default on a terminal)"),
        .flag(nil, "show-control-chars", "nongraphic characters as they are (the default elsewhere)"),
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
    /// The time shown and sorted by (modification unless -c, -u or --time).
    var mtime: Int64 = 0, mtimeNs: Int32 = 0
    var ino: UInt64 = 0, rdev: UInt64 = 0
    /// The link target's mode (0: not looked up, or dangling).
    var linkMode: UInt32 = 0
    var linkOK = false
    var statOK = false
    /// No birth time (--time=birth on a file system without one).
    var timeMissing = false
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

enum LsFormat { case long, one, columns, across, commas }
enum LsSort { case name, ext, width, size, version, time, none }
enum LsTime { case mtime, ctime, atime, birth }
enum LsIndicator: Int { case none, slash, fileType, classify }
enum LsDeref { case never, commandLine, commandLineDirs, always }

struct LsOptions {
    var format = LsFormat.one
    var all = false, almostAll = false, directory = false, recursive = false
    var numeric = false, inode = false, reverse = false
    var showOwner = true, showGroup = true, context = false
    var sort = LsSort.name
    var time = LsTime.mtime
    var dirsFirst = false
    var indicator = LsIndicator.none
    var deref = LsDeref.never
    /// -s: the block column; blocks in units of `blockUnit` bytes, or
    /// autoscaled (-h/--si) when `humanBase` is set.
    var blockSize = false, blockUnit: UInt64 = 1024
    var humanBase: UInt64 = 0
    /// --block-size: the unit of the -l size column (1: bytes) and the
    /// suffix shown after sizes and blocks (when SIZE was a suffix alone).
    var sizeUnit: UInt64 = 1, unitSuffix = ""
    var lineLength = 80, tabSize = 8
    var ignore: [String] = [], hide: [String] = []
    var quoter = NameQuoter(.literal)
    var dirQuoter = NameQuoter(.literal, alsoQuote: [0x3A])
    /// -q: nongraphic characters as `?` (with the literal and shell styles).
    var qmark = false
    /// GNU's align_variable_outer_quotes: pad unquoted names with a space
    /// when others in the listing are quoted.
    var alignQuotes = false
    var colors: LsColors? = nil
    var checkSymlinkMode = false
    /// strftime formats for old and recent files; nil: GNU's default.
    var timeFormats: (old: String, recent: String)? = nil
    var utf8 = false
    var long: Bool { format == .long }
}

/// GNU's argmatch: an exact word, or an unambiguous prefix (prefixes of
/// several words are fine when they mean the same value).
func lsArgmatch<T: Equatable>(_ arg: String, _ option: String, _ table: [(String, T)]) throws(ToolError) -> T {
    if let exact = table.first(where: { $0.0 == arg }) { return exact.1 }
    var found: T? = nil, ambiguous = false
    for (word, v) in table where !arg.isEmpty && word.hasPrefix(arg) {
        if let f = found, f != v { ambiguous = true }
        found = found ?? v
    }
    if let found, !ambiguous { return found }
    var msg = "\(ambiguous ? "ambiguous" : "invalid") argument '\(arg)' for '\(option)'\nValid arguments are:"
    var last: T? = nil
    for (word, v) in table {
        if let l = last, l == v { msg += ", '\(word)'" } else { msg += "\n  - '\(word)'" }
        last = v
    }
    throw lsApplet.spec.usageError(msg)
}

let lsWhen: [(String, Int)] = [("always", 1), ("yes", 1), ("force", 1), ("never", 0), ("no", 0), ("none", 0),
                               ("auto", 2), ("tty", 2), ("if-tty", 2)]

/// The dircolors TERM patterns (GNU's known_term_type).
let lsColorTerms = ["Eterm", "ansi", "*color*", "con[0-9]*x[0-9]*", "cons25", "console", "cygwin", "*direct*", "dtterm",
                    "gnome", "hurd", "jfbterm", "konsole", "kterm", "linux", "linux-c", "mlterm", "putty", "rxvt*",
                    "screen*", "st", "terminator", "tmux*", "vt100", "xterm*"]

func lsWidth(_ s: String, _ what: String) throws(ToolError) -> Int {
    guard let v = UInt64(s) else {
        if !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return 0 }   // too large: no limit
        throw ToolError(exitCode: ExitCode.usage, message: "\(what): '\(s)'")
    }
    return v > UInt64(Int.max / 4) ? 0 : Int(v)
}

@Sendable
func runLs(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try lsApplet.spec.parse(args)
    var o = LsOptions()
    let tty = ctx.out.isTerminal
    var formatOpt: LsFormat? = nil, sortOpt: LsSort? = nil, qsOpt: QuotingStyle? = nil
    var hideControl: Bool? = nil, color = false, explicitTime = false, kib = false, blockSizeGiven = false
    var widthOpt: Int? = nil, tabOpt: Int? = nil, timeStyle: String? = nil
    var derefOpt: LsDeref? = nil
    var ignoreMode = 0   // 0 default, 1 dots except . and .., 2 everything
    for occ in p.occurrences {
        let v = occ.value ?? ""
        switch occ.key {
        case "all": ignoreMode = 2
        case "almost-all": ignoreMode = 1
        case "escape": qsOpt = .escape
        case "c": o.time = .ctime; explicitTime = true
        case "directory": o.directory = true
        case "f":
            ignoreMode = 2; sortOpt = LsSort.none
            if formatOpt == .long { formatOpt = nil }
            color = false; o.blockSize = false
        case "file-type": o.indicator = .fileType
        case "g": formatOpt = .long; o.showOwner = false
        case "human-readable": o.humanBase = 1024; o.sizeUnit = 1; o.unitSuffix = ""
        case "si": o.humanBase = 1000; o.sizeUnit = 1; o.unitSuffix = ""
        case "block-size":
            let v = occ.value ?? ""
            if v == "human-readable" || v == "si" { o.humanBase = v == "si" ? 1000 : 1024; o.sizeUnit = 1; o.unitSuffix = ""; break }
            guard let (unit, suffix) = lsBlockSize(v) else {
                // GNU (xstrtol): a number followed by an unknown suffix is
                // "invalid suffix"; anything else "invalid".
                let body = v.drop { $0 == "'" }
                let digits = body.prefix { $0 >= "0" && $0 <= "9" }
                let rest = body.dropFirst(digits.count)
                let numberRead = digits.isEmpty ? rest.first.map { "eEgGkKmMpPtTyYzZ".contains($0) } ?? false : digits.contains { $0 != "0" }
                let badSuffix = numberRead && !rest.isEmpty && lsBlockSize("1" + rest) == nil
                throw ToolError(exitCode: 2, message: "invalid \(badSuffix ? "suffix in " : "")--block-size argument '\(v)'")
            }
            o.humanBase = 0; o.sizeUnit = unit; o.blockUnit = unit; o.unitSuffix = suffix; blockSizeGiven = true
        case "inode": o.inode = true
        case "kibibytes": kib = true
        case "l": formatOpt = .long
        case "m": formatOpt = .commas
        case "numeric-uid-gid": o.numeric = true; formatOpt = .long
        case "o": formatOpt = .long; o.showGroup = false
        case "p": o.indicator = .slash
        case "hide-control-chars": hideControl = true
        case "show-control-chars": hideControl = false
        case "reverse": o.reverse = true
        case "size": o.blockSize = true
        case "t": sortOpt = .time
        case "u": o.time = .atime; explicitTime = true
        case "v": sortOpt = .version
        case "width": widthOpt = try lsWidth(v, "invalid line width")
        case "x": formatOpt = .across
        case "ignore-backups": o.ignore += ["*~", ".*~"]
        case "C": formatOpt = .columns
        case "classify":
            let w = v.isEmpty ? 1 : try lsArgmatch(v, "--classify", lsWhen)
            if w == 1 || (w == 2 && tty) { o.indicator = .classify }
        case "no-group": o.showGroup = false
        case "dereference-command-line": derefOpt = .commandLine
        case "dereference": derefOpt = .always
        case "ignore": o.ignore.append(v)
        case "hide": o.hide.append(v)
        case "literal": qsOpt = .literal
        case "quote-name": qsOpt = .c
        case "recursive": o.recursive = true
        case "S": sortOpt = .size
        case "tabsize": tabOpt = try lsWidth(v, "invalid tab size")
        case "U": sortOpt = LsSort.none
        case "X": sortOpt = .ext
        case "1": if formatOpt != .long { formatOpt = .one }
        case "sort":
            // coreutils 9.1's words (9.2 added "name").
            sortOpt = try lsArgmatch(v, "--sort", [("none", LsSort.none), ("time", .time), ("size", .size), ("extension", .ext),
                                                   ("version", .version), ("width", .width)])
        case "group-directories-first": o.dirsFirst = true
        case "time":
            // coreutils 9.1's words (9.2 added "mtime", "modification").
            o.time = try lsArgmatch(v, "--time", [("atime", LsTime.atime), ("access", .atime), ("use", .atime), ("ctime", .ctime),
                                                  ("status", .ctime), ("birth", .birth), ("creation", .birth)])
            explicitTime = true
        case "format":
            formatOpt = try lsArgmatch(v, "--format", [("verbose", LsFormat.long), ("long", .long), ("commas", .commas),
                                                       ("horizontal", .across), ("across", .across), ("vertical", .columns),
                                                       ("single-column", .one)])
        case "full-time": formatOpt = .long; timeStyle = "full-iso"
        case "color":
            let w = v.isEmpty ? 1 : try lsArgmatch(v, "--color", lsWhen)
            color = w == 1 || (w == 2 && tty)
        case "indicator-style":
            o.indicator = try lsArgmatch(v, "--indicator-style", [("none", LsIndicator.none), ("slash", .slash),
                                                                  ("file-type", .fileType), ("classify", .classify)])
        case "quoting-style":
            qsOpt = try lsArgmatch(v, "--quoting-style", QuotingStyle.allCases.map { (QuotingStyle.names[$0.rawValue], $0) })
        case "time-style": timeStyle = v
        case "context": o.context = true
        default: break
        }
    }
    if p.has("json") { formatOpt = .long; color = false }   // what -l reads (stat, link targets)
    o.all = ignoreMode == 2; o.almostAll = ignoreMode == 1
    o.recursive = o.recursive && !o.directory
    o.utf8 = localeIsUTF8()
    if !blockSizeGiven && (!o.blockSize || o.humanBase == 0) {
        o.blockUnit = (getenv("POSIXLY_CORRECT") != nil && !kib) ? 512 : 1024
    }
    o.format = formatOpt ?? (tty ? .columns : .one)
    // The line width: -w, the terminal, COLUMNS, else 80 (GNU's order).
    var linelen = widthOpt ?? -1
    if o.format == .columns || o.format == .across || o.format == .commas || color {
        if linelen < 0, tty { let w = Terminal.windowSize(1)?.columns ?? 0; if w > 0 { linelen = w } }
        if linelen < 0, let c = getenv("COLUMNS"), c[0] != 0 {
            let s = String(cString: c)
            if let w = try? lsWidth(s, "") { linelen = w } else {
                ctx.note("ignoring invalid width in environment variable COLUMNS: '\(s)'")
            }
        }
    }
    o.lineLength = linelen < 0 ? 80 : linelen
    o.tabSize = tabOpt ?? 8
    if tabOpt == nil, let t = getenv("TABSIZE") {
        let s = String(cString: t)
        if let v = Int(s), v >= 0 { o.tabSize = v } else { ctx.note("ignoring invalid tab size in environment variable TABSIZE: '\(s)'") }
    }
    o.qmark = hideControl ?? tty
    var qs = qsOpt
    if qs == nil, let env = getenv("QUOTING_STYLE") {
        let s = String(cString: env)
        if let i = QuotingStyle.names.firstIndex(of: s) { qs = QuotingStyle(rawValue: i) } else {
            ctx.note("ignoring invalid value of environment variable QUOTING_STYLE: '\(s)'")
        }
    }
    let style = qs ?? (tty ? .shellEscape : .literal)
    o.alignQuotes = (o.long || ((o.format == .columns || o.format == .across) && o.lineLength > 0))
        && (style == .shell || style == .shellEscape || style == .cMaybe)
    var extra: [UInt8] = style == .escape ? [0x20] : []
    if o.indicator.rawValue >= LsIndicator.fileType.rawValue {
        extra += Array("*=>@|".utf8).dropFirst(o.indicator.rawValue - LsIndicator.fileType.rawValue)
    }
    o.quoter = NameQuoter(style, alsoQuote: extra, utf8: o.utf8)
    o.dirQuoter = NameQuoter(style, alsoQuote: [0x3A], utf8: o.utf8)
    o.sort = sortOpt ?? ((o.format != .long && explicitTime) ? .time : .name)
    if o.long { o.timeFormats = try lsTimeFormats(timeStyle) }
    if color { o.colors = lsColors(ctx) }
    if let c = o.colors {
        o.tabSize = 0
        o.checkSymlinkMode = c.isColored(.orphan) || (c.isColored(.exec) && c.linkAsTarget) || (c.isColored(.missing) && o.long)
    }
    if o.dirsFirst { o.checkSymlinkMode = true }
    o.deref = derefOpt ?? ((o.directory || o.indicator == .classify || o.long) ? .never : .commandLineDirs)
    let ls = LsRun(ctx, o, FileSession(ctx, verbose: p.has("verbose")))
    if p.has("json") { ls.json = JSONTable(ctx.out) }
    ls.run(p.operands.isEmpty ? ["."] : p.operands)
    ls.finish()
    ls.json?.finish()
    return ExitCode.success
}

/// --time-style (or TIME_STYLE): nil for GNU's default `%b %e  %Y` / `%b %e %H:%M`.
func lsTimeFormats(_ option: String?) throws(ToolError) -> (old: String, recent: String)? {
    var style = option ?? getenv("TIME_STYLE").map { String(cString: $0) } ?? "locale"
    // posix-STYLE: STYLE only outside the C locale (toolbox has no other).
    if style.hasPrefix("posix-") { return nil }
    if style.hasPrefix("+") {
        style.removeFirst()
        let parts = style.split(separator: "\n", omittingEmptySubsequences: false)
        if parts.count > 2 {
            var q: [UInt8] = []
            style.withUTF8 { NameQuoter(.locale).quote($0, into: &q) }
            throw ToolError(exitCode: ExitCode.usage, message: "invalid time style format \(String(decoding: q, as: UTF8.self))")
        }
        return (String(parts[0]), String(parts.count == 2 ? parts[1] : parts[0]))
    }
    let table: [(String, Int)] = [("full-iso", 0), ("long-iso", 1), ("iso", 2), ("locale", 3)]
    guard let i = table.first(where: { $0.0 == style })?.1 ?? {
        let m = table.filter { !style.isEmpty && $0.0.hasPrefix(style) }
        return m.count == 1 ? m[0].1 : nil
    }() else {
        throw lsApplet.spec.usageError("invalid argument '\(style)' for 'time style'\nValid arguments are:\n"
            + "  - [posix-]full-iso\n  - [posix-]long-iso\n  - [posix-]iso\n  - [posix-]locale\n"
            + "  - +FORMAT (e.g., +%H:%M) for a 'date'-style format")
    }
    switch i {
    case 0: return ("%Y-%m-%d %H:%M:%S.%N %z", "%Y-%m-%d %H:%M:%S.%N %z")
    case 1: return ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M")
    case 2: return ("%Y-%m-%d ", "%m-%d %H:%M")
    default: return nil
    }
}

/// LS_COLORS (or GNU's defaults when it is unset and TERM/COLORTERM name a
/// colour terminal); nil: no colour (a malformed value is reported).
func lsColors(_ ctx: Context) -> LsColors? {
    guard let env = getenv("LS_COLORS"), env[0] != 0 else {
        if let ct = getenv("COLORTERM"), ct[0] != 0 { return LsColors.defaults }
        guard let term = getenv("TERM"), term[0] != 0 else { return nil }
        for pat in lsColorTerms where fnmatch(pat, term, 0) == 0 { return LsColors.defaults }
        return nil
    }
    let len = strlen(env)
    let r = env.withMemoryRebound(to: UInt8.self, capacity: len) { LsColors.parse(Bytes(start: $0, count: len)) }
    switch r {
    case .success(let c): return c
    case .failure(let e):
        if case .unrecognizedPrefix(let l) = e { ctx.note("unrecognized prefix: '\(String(decoding: l, as: UTF8.self))'") }
        ctx.note("unparsable value for LS_COLORS environment variable")
        return nil
    }
}

/// Whether LC_ALL / LC_CTYPE / LANG (the first set) names UTF-8.
func localeIsUTF8() -> Bool {
    for v in ["LC_ALL", "LC_CTYPE", "LANG"] {
        guard let p = getenv(v), p[0] != 0 else { continue }
        let b = Array(String(cString: p).utf8).map { $0 | 0x20 }
        var i = 0
        while i + 3 < b.count {
            if b[i] == 0x75, b[i + 1] == 0x74, b[i + 2] == 0x66,
               b[i + 3] == 0x38 || (b[i + 3] == 0x2D && i + 4 < b.count && b[i + 4] == 0x38) { return true }
            i += 1
        }
        return false
    }
    return false
}

final class LsRun {
    let ctx: Context
    let o: LsOptions
    let session: FileSession
    let out: OutputWriter
    var dates: LsDateFormatter
    let reader = DirectoryReader()
    var printedSomething = false
    var needHeaders = false
    var mode10 = [UInt8](repeating: 0, count: 10)
    var nowSec: Int64 = 0, nowNs = 0
    /// -R: the one directory walker (bounded descriptors, no recursion).
    lazy var walk = DirectoryWalk()
    /// Quoting scratch and state of the current listing.
    var qbuf: [UInt8] = []
    var someQuoted = false
    /// The fast path: names are written as they are.
    let literal: Bool
    let suffixIndex: LsSuffixIndex?
    var usedColor = false
    let normColored: Bool
    var timeBuf = [Int8](repeating: 0, count: 1024)
    var expectedTimeWidth = -1
    /// --json: every listing's entries go to this one array (FileJSON.swift).
    var json: JSONTable?

    init(_ ctx: Context, _ o: LsOptions, _ s: FileSession) {
        self.ctx = ctx; self.o = o; session = s; out = ctx.out
        let (sec, ns) = currentTime()
        dates = LsDateFormatter(now: sec); nowSec = sec; nowNs = ns
        literal = o.quoter.style == .literal && !o.qmark
        suffixIndex = o.colors.map { LsSuffixIndex($0) }
        normColored = o.colors?.isColored(.normal) ?? false
    }

    /// Whether entries need lstat.
    var needStat: Bool {
        o.long || o.sort == .time || o.sort == .size || o.indicator != .none || o.blockSize || o.inode
            || o.colors != nil || o.dirsFirst
    }

    func finish() {
        guard let c = o.colors, usedColor else { return }
        if !(c.slots[0]! == [0x1B, 0x5B] && c.slots[1]! == [0x6D]) { put(.left); put(.right) }
    }

    /// GNU's quoteaf: a name in an error message.
    func quoteaf(_ s: String) -> String {
        var b: [UInt8] = []
        var s = s
        s.withUTF8 { NameQuoter(.shellEscapeAlways).quote($0, into: &b) }
        return String(decoding: b, as: UTF8.self)
    }

    func run(_ operands: [String]) {
        let files = LsList()
        var fileRoots: [ConfinedRoot?] = []
        let dirs = LsList()
        var dirFDs: [(FileDescriptor, ConfinedRoot?, String)] = []
        for op in operands {
            // A dangling symlink operand is listed as the link (GNU ls).
            // (GNU exits 2 for an operand it cannot reach; toolbox's
            // convention is 1 for every runtime failure.)
            let cannot: (String, Errno) -> String = { [self] in "cannot access \(quoteaf($0)): \($1.message)" }
            var found: OpenedPath? = nil
            switch o.deref {
            case .never: found = session.open(op, flags: O_PATH | O_NOFOLLOW, gnu: cannot)
            case .commandLine, .always: found = session.open(op, flags: O_PATH, gnu: cannot)
            case .commandLineDirs:
                if let f = try? session.opener.open(op, flags: O_PATH) {
                    if let st = try? f.fd.stat(), st.st_mode & S_IFMT == S_IFDIR { found = f } else { f.fd.close() }
                }
                if found == nil { found = session.open(op, flags: O_PATH | O_NOFOLLOW, gnu: cannot) }
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
            if o.time == .birth { birth(&files.entries[i], opened.fd.rawValue, "", CSHIM_AT_EMPTY_PATH) }
            if st.st_mode & S_IFMT == S_IFLNK && (o.long || o.checkSymlinkMode) {
                if let t = linkTarget(opened, op) {
                    files.setLink(i, t)
                    if o.indicator.rawValue >= LsIndicator.fileType.rawValue || o.checkSymlinkMode {
                        if let tfd = session.opener.openIfPossible(op) {
                            if let tst = try? tfd.stat() { files.entries[i].linkMode = tst.st_mode; files.entries[i].linkOK = true }
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
            someQuoted = o.alignQuotes && (anyQuoted(files) || anyQuoted(dirs))
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
            listTree(display, dirFD, root: root, inner: inner)
            if out.isBroken { break }
        }
        for d in dirFDs { d.0.close() }
    }

    func fill(_ e: inout LsEntry, _ st: Glibc_stat_t) {
        e.mode = st.st_mode; e.nlink = UInt64(st.st_nlink); e.uid = st.st_uid; e.gid = st.st_gid
        e.size = Int64(st.st_size); e.blocks = Int64(st.st_blocks)
        switch o.time {
        case .mtime, .birth: e.mtime = Int64(st.st_mtim.tv_sec); e.mtimeNs = Int32(st.st_mtim.tv_nsec)
        case .ctime: e.mtime = Int64(st.st_ctim.tv_sec); e.mtimeNs = Int32(st.st_ctim.tv_nsec)
        case .atime: e.mtime = Int64(st.st_atim.tv_sec); e.mtimeNs = Int32(st.st_atim.tv_nsec)
        }
        e.ino = UInt64(st.st_ino); e.rdev = UInt64(st.st_rdev); e.statOK = true
    }

    /// --time=birth: the birth time from statx(2), or "missing" (GNU prints `?`).
    func birth(_ e: inout LsEntry, _ dir: Int32, _ name: UnsafePointer<CChar>, _ flags: Int32) {
        var sx = cshim_statx()
        if cshim_statx(dir, name, flags | CSHIM_AT_SYMLINK_NOFOLLOW, CSHIM_STATX_BTIME, &sx) == 0, sx.stx_mask & CSHIM_STATX_BTIME != 0 {
            e.mtime = sx.stx_btime.tv_sec; e.mtimeNs = Int32(sx.stx_btime.tv_nsec)
        } else {
            e.timeMissing = true; e.mtime = -1; e.mtimeNs = -1
        }
    }

    /// GNU's file_ignored: dot files (unless -a/-A), --hide (unless -a/-A), -I.
    @inline(__always) func ignored(_ name: Bytes, _ cname: UnsafePointer<CChar>) -> Bool {
        if !o.all && name[0] == 0x2E {
            if !o.almostAll { return true }
            if name.count == 1 || (name.count == 2 && name[1] == 0x2E) { return true }
        }
        if !o.all && !o.almostAll { for p in o.hide where fnmatch(p, cname, FNM_PERIOD) == 0 { return true } }
        for p in o.ignore where fnmatch(p, cname, FNM_PERIOD) == 0 { return true }
        return false
    }

    /// Lists the directory `dirFD` (and closes it); with -R the directories
    /// below it too, walked by `walk` in listing order (GNU's order).
    func listTree(_ display: String, _ dirFD: FileDescriptor, root: ConfinedRoot?, inner: String) {
        guard o.recursive else {
            listDirectory(display, dirFD, root: root, inner: inner, walk: nil)
            dirFD.close()
            return
        }
        let top = display.utf8.count
        /// The path inside `root` of the walk's current path (-L follows links there).
        func innerPath(_ p: [UInt8]) -> String {
            var rel = p[top...]
            if rel.first == 0x2F { rel = rel.dropFirst() }
            return rel.isEmpty ? inner : joinPath(inner, String(decoding: rel, as: UTF8.self))
        }
        do { try walk.start(dirFD, name: display.utf8) } catch {
            out.flush(); ctx.warn("\(display): \(error.message)"); return
        }
        defer { walk.finish() }
        let follow = o.deref == .always
        walk.reopenFollowed = nil
        if follow, let root {
            walk.reopenFollowed = { p throws(Errno) in try openInRoot(root.fd, innerPath(p), flags: O_RDONLY | O_DIRECTORY) }
        } else if follow {
            // A host path: every level of -RL is entered following links, so
            // a level the walk closed is reopened by its path (fts's logical
            // walk); the walk then checks it is the same directory.
            walk.reopenFollowed = { p throws(Errno) in
                try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                    try FileDescriptor.open(String(decoding: p, as: UTF8.self), f)
                }
            }
        }
        listDirectory(display, walk.directory, root: root, inner: inner, walk: walk)
        while !out.isBroken {
            guard let e = walk.next() else {
                if walk.depth == 0 { return }
                if let lost = walk.leave() {
                    out.flush(); ctx.warn("\(String(decoding: lost.path, as: UTF8.self)): \(lost.message)")
                }
                continue
            }
            let path = String(decoding: walk.path, as: UTF8.self)
            let sub: FileDescriptor
            do throws(Errno) {
                if follow, let root {
                    sub = try openInRoot(root.fd, innerPath(walk.path), flags: O_RDONLY | O_DIRECTORY)
                } else {
                    let dir = walk.directory
                    sub = try openNoAtime(O_RDONLY | O_DIRECTORY | (follow ? 0 : O_NOFOLLOW) | O_NOATIME) { f throws(Errno) in
                        try FileDescriptor.open(cPath: e.name, f, relativeTo: dir)
                    }
                }
                // A directory being listed, reached again (-RL: through a link).
                let st: Glibc_stat_t
                do { st = try sub.stat() } catch { sub.close(); throw error }
                if walk.depth(of: UInt64(st.st_dev), UInt64(st.st_ino)) != nil {
                    sub.close()
                    out.flush(); ctx.warn("\(path): not listing already-listed directory"); continue
                }
                walk.enter(sub, st, followed: follow)
            } catch {
                out.flush(); ctx.warn("\(path): \(error.message)"); continue
            }
            listDirectory(path, walk.directory, root: root, inner: innerPath(walk.path), walk: walk)
        }
    }

    /// Lists the open directory `dirFD`. `inner` is its path inside `root`
    /// (to resolve symlinks inside the container), or its plain path. With
    /// `walk`, its subdirectories are queued there in listing order.
    func listDirectory(_ display: String, _ dirFD: FileDescriptor, root: ConfinedRoot?, inner: String, walk: DirectoryWalk?) {
        let list = LsList()
        var dtypes: [UInt8] = []
        do {
            try reader.forEach(dirFD, includeDots: o.all) { name, cname, type, ino in
                if ignored(name, cname) { return true }
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
            let follow = o.deref == .always
            let wantLink = o.long || o.checkSymlinkMode
            let wantLinkMode = o.indicator.rawValue >= LsIndicator.fileType.rawValue || o.checkSymlinkMode
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
                var r: Int32
                if isDotDot && dirIsRoot { r = fstatat(dirFD.rawValue, ".", &st, AT_SYMLINK_NOFOLLOW) }
                else if follow && dtypes[i] == DirentType.symlink || follow && dtypes[i] == DirentType.unknown {
                    r = followStat(list.name(i), dirFD, root: root, inner: inner, &st) ? 0 : -1
                } else { r = fstatat(dirFD.rawValue, cname, &st, AT_SYMLINK_NOFOLLOW) }
                if r != 0 {
                    let err = Errno.current
                    list.entries[i].mode = DirentType.mode(dtypes[i])
                    if err.isVanished && !(e.nameLen <= 2) && !follow { continue }
                    out.flush()
                    ctx.warn("cannot access \(quoteaf(display == "." ? list.name(i) : joinPath(display, list.name(i)))): \(err.message)")
                    continue
                }
                fill(&list.entries[i], st)
                if o.time == .birth { birth(&list.entries[i], dirFD.rawValue, cname, 0) }
                if st.st_mode & S_IFMT == S_IFLNK && wantLink {
                    if let t = linkTarget(list.name(i), in: dirFD, display, &borrowed) {
                        list.setLink(i, t)
                        if wantLinkMode, followStat(list.name(i), dirFD, root: root, inner: inner, &st) {
                            list.entries[i].linkMode = st.st_mode; list.entries[i].linkOK = true
                        }
                    }
                }
            }
        } else {
            for i in list.entries.indices { list.entries[i].mode = DirentType.mode(dtypes[i]) }
        }
        someQuoted = o.alignQuotes && anyQuoted(list)
        let order = sorted(list)
        if needHeaders {
            if printedSomething { out.byte(ASCII.newline) }
            var d = display
            d.withUTF8 { b in
                qbuf.removeAll(keepingCapacity: true)
                o.dirQuoter.quote(b, into: &qbuf)
                qmarkInPlace()
                out.write(qbuf)
            }
            out.write(":\n")
        }
        printedSomething = true
        let names = session.idNames(root)
        emit(list, order, names: names, total: o.long || o.blockSize, dir: display)
        if let walk {
            list.arena.withUnsafeBufferPointer { a in
                for i in order where list.entries[i].mode & S_IFMT == S_IFDIR {
                    let e = list.entries[i]
                    let name = Bytes(rebasing: a[Int(e.nameOff)..<Int(e.nameOff + e.nameLen)])
                    if name.count <= 2 && name[0] == 0x2E && (name.count == 1 || name[1] == 0x2E) { continue }
                    walk.add(name, type: DirentType.directory)
                }
            }
        }
    }

    /// stat(2) following `name` in `dirFD`: inside the container's root
    /// when there is one (absolute links resolve there, never on the host).
    func followStat(_ name: String, _ dirFD: FileDescriptor, root: ConfinedRoot?, inner: String, _ st: inout Glibc_stat_t) -> Bool {
        if let root {
            guard let fd = try? openInRoot(root.fd, joinPath(inner, name), flags: O_PATH) else { return false }
            defer { fd.close() }
            guard let s = try? fd.stat() else { return false }
            st = s
            return true
        }
        return fstatat(dirFD.rawValue, name, &st, 0) == 0
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

    // MARK: sorting

    func sorted(_ list: LsList) -> [Int] {
        var order = Array(list.entries.indices)
        if o.sort == .none { return order }   // GNU: -U ignores --group-directories-first
        var widths: [Int] = []
        if o.sort == .width { widths = order.map { nameWidth(list, $0) } }
        let sort = o.sort, reverse = o.reverse, dirsFirst = o.dirsFirst
        list.arena.withUnsafeBufferPointer { arena in
            let entries = list.entries
            let base = arena.baseAddress!
            func bytes(_ e: LsEntry) -> Bytes { Bytes(start: base + Int(e.nameOff), count: Int(e.nameLen)) }
            func strcmp3(_ a: Bytes, _ b: Bytes) -> Int {
                let c = memcmp(a.baseAddress!, b.baseAddress!, min(a.count, b.count))
                return c != 0 ? Int(c) : a.count - b.count
            }
            func cmp(_ x: Int, _ y: Int) -> Int {
                let a = entries[x], b = entries[y]
                switch sort {
                case .time:
                    if a.mtime != b.mtime { return a.mtime > b.mtime ? -1 : 1 }
                    if a.mtimeNs != b.mtimeNs { return a.mtimeNs > b.mtimeNs ? -1 : 1 }
                case .size:
                    if a.size != b.size { return a.size > b.size ? -1 : 1 }
                case .ext:
                    let ea = extensionOf(bytes(a)), eb = extensionOf(bytes(b))
                    let c = strcmp3(ea, eb)
                    if c != 0 { return c }
                case .width:
                    if widths[x] != widths[y] { return widths[x] - widths[y] }
                case .version:
                    let c = fileVersionCompare(bytes(a), bytes(b))
                    if c != 0 { return c }
                case .name, .none: break
                }
                return strcmp3(bytes(a), bytes(b))
            }
            func isDir(_ e: LsEntry) -> Bool { e.mode & S_IFMT == S_IFDIR || e.linkMode & S_IFMT == S_IFDIR }
            func less(_ x: Int, _ y: Int) -> Bool {
                if dirsFirst {
                    let dx = isDir(entries[x]), dy = isDir(entries[y])
                    if dx != dy { return dx }
                }
                return reverse ? cmp(y, x) < 0 : cmp(x, y) < 0
            }
            order.sort(by: less)
        }
        return order
    }

    // MARK: names

    /// ls -q: nongraphic characters in `qbuf` as `?` (for the literal and shell styles).
    func qmarkInPlace() {
        let s = o.quoter.style
        guard o.qmark, s == .literal || s == .shell || s == .shellAlways else { return }
        var w = 0, i = 0
        let n = qbuf.count
        qbuf.withUnsafeMutableBufferPointer { b in
            while i < n {
                let c = b[i]
                if c >= 0x20 && c < 0x7F { b[w] = c; w += 1; i += 1; continue }
                if o.utf8 && c >= 0x80 {
                    let m = utf8Length(Bytes(b), i)
                    if m > 0 { for k in 0..<m { b[w + k] = b[i + k] }; w += m; i += m; continue }
                    if c == 0xC2 && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F { i += 1 }   // a C1 control: one ?
                }
                b[w] = 0x3F; w += 1; i += 1
            }
        }
        qbuf.removeSubrange(w...)
    }

    /// Bytes that no style changes (no quoting needed).
    @inline(__always) static func plain(_ name: Bytes) -> Bool {
        for c in name {
            switch c {
            case 0x25, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30...0x3A, 0x41...0x5A, 0x5D, 0x5F, 0x61...0x7A: continue
            default: return false
            }
        }
        return true
    }

    /// Quotes `name` into `qbuf` (unless it can be written as it is: nil).
    /// Returns whether quoting changed it.
    func quoted(_ name: Bytes) -> Bool? {
        let s = o.quoter.style
        if literal || (LsRun.plain(name) && s != .c && s != .locale && s != .clocale && s != .shellAlways && s != .shellEscapeAlways) {
            return nil
        }
        qbuf.removeAll(keepingCapacity: true)
        o.quoter.quote(name, into: &qbuf)
        let changed = qbuf.count != name.count || !qbuf.elementsEqual(name)
        qmarkInPlace()
        return changed
    }

    func anyQuoted(_ list: LsList) -> Bool {
        list.arena.withUnsafeBufferPointer { a in
            for e in list.entries where !LsRun.plain(Bytes(rebasing: a[Int(e.nameOff)..<Int(e.nameOff + e.nameLen)])) {
                if o.quoter.changes(Bytes(rebasing: a[Int(e.nameOff)..<Int(e.nameOff + e.nameLen)])) { return true }
            }
            return false
        }
    }

    /// Columns the quoted name takes (GNU quote_name_width, with the pad).
    func nameWidth(_ list: LsList, _ i: Int) -> Int {
        let e = list.entries[i]
        return list.arena.withUnsafeBufferPointer { a in
            let name = Bytes(rebasing: a[Int(e.nameOff)..<Int(e.nameOff + e.nameLen)])
            let changed = quoted(name)
            let pad = o.alignQuotes && someQuoted && changed != true ? 1 : 0
            let s = o.quoter.style
            let marked = changed != nil && o.qmark && (s == .literal || s == .shell || s == .shellAlways)
            if changed == nil { return displayWidth(name, marked: false) + pad }
            return qbuf.withUnsafeBufferPointer { displayWidth($0, marked: marked) } + pad
        }
    }

    /// Columns of a quoted name: printable bytes (or UTF-8 characters);
    /// after -q every byte left counts (GNU in the C locale).
    func displayWidth(_ q: Bytes, marked: Bool) -> Int {
        if marked && !o.utf8 { return q.count }
        var w = 0, k = 0
        while k < q.count {
            let c = q[k]
            if c >= 0x20 && c < 0x7F { w += 1; k += 1; continue }
            if o.utf8 && c >= 0x80, case let m = utf8Length(q, k), m > 0 { w += 1; k += m; continue }
            if marked { w += 1 }
            k += 1
        }
        return w
    }

    /// Writes the name (or link target) of entry `i`, quoted and coloured;
    /// returns its byte length plus the alignment pad (GNU quote_name).
    @discardableResult
    func writeName(_ list: LsList, _ i: Int, target: Bool, startCol: Int) -> Int {
        let e = list.entries[i]
        let off = Int(target ? e.linkOff : e.nameOff), len = Int(target ? e.linkLen : e.nameLen)
        return list.arena.withUnsafeBufferPointer { a in
            let name = Bytes(rebasing: a[off..<(off + len)])
            let changed = quoted(name)
            let pad = o.alignQuotes && someQuoted && changed != true
            if pad && !target { out.byte(ASCII.space) }
            var colored = false
            if o.colors != nil {
                let c = colorCode(e, name, target: target)
                if c != Int.min {
                    if normColored { put(.left); put(.right) }
                    put(.left); putCode(c); put(.right)
                }
                colored = c != Int.min || normColored
            }
            let written: Int
            if changed == nil { out.write(name); written = len } else { out.write(qbuf); written = qbuf.count }
            let total = written + (pad ? 1 : 0)
            if colored {
                endColor()
                let l = o.lineLength
                if l > 0 && startCol / l != (startCol + total - 1) / l { put(.clearToEOL) }
            }
            return total
        }
    }

    // MARK: colours

    @inline(__always) func put(_ s: LsColorSlot) {
        guard let seq = o.colors!.slots[s.rawValue] else { return }
        if !usedColor { usedColor = true; endColor() }
        out.write(seq)
    }

    func putCode(_ c: Int) {
        if !usedColor { usedColor = true; endColor() }
        if c >= 0 { out.write(o.colors!.slots[c]!) } else { out.write(suffixIndex!.sequence(-c - 1)) }
    }

    /// prep_non_filename_text: `ec`, or `lc rs rc`.
    func endColor() {
        if o.colors!.slots[LsColorSlot.end.rawValue] != nil { put(.end) } else { put(.left); put(.reset); put(.right) }
    }

    func setNormalColor() {
        if normColored { put(.left); put(.normal); put(.right) }
    }

    /// GNU get_color_indicator: a slot (>= 0), a suffix (-1 - index), or
    /// Int.min for none.
    func colorCode(_ e: LsEntry, _ name: Bytes, target: Bool) -> Int {
        let c = o.colors!
        var slot: LsColorSlot
        let mode: UInt32
        let linkok: Int
        if target { mode = e.linkMode; linkok = e.linkOK ? 0 : -1 }
        else { mode = c.linkAsTarget && e.linkOK ? e.linkMode : e.mode; linkok = e.linkOK ? 1 : 0 }
        if linkok == -1 && c.isColored(.missing) { slot = .missing }
        else if !e.statOK {
            switch e.mode & S_IFMT {
            case S_IFIFO: slot = .fifo
            case S_IFCHR: slot = .char
            case S_IFDIR: slot = .directory
            case S_IFBLK: slot = .block
            case S_IFREG: slot = .file
            case S_IFLNK: slot = .link
            case S_IFSOCK: slot = .socket
            default: slot = .orphan
            }
        } else {
            switch mode & S_IFMT {
            case S_IFREG:
                slot = .file
                if mode & S_ISUID != 0 && c.isColored(.setuid) { slot = .setuid }
                else if mode & S_ISGID != 0 && c.isColored(.setgid) { slot = .setgid }
                else if mode & 0o111 != 0 && c.isColored(.exec) { slot = .exec }
                else if e.nlink > 1 && c.isColored(.multiHardlink) { slot = .multiHardlink }
            case S_IFDIR:
                slot = .directory
                if mode & S_ISVTX != 0 && mode & 0o002 != 0 && c.isColored(.stickyOtherWritable) { slot = .stickyOtherWritable }
                else if mode & 0o002 != 0 && c.isColored(.otherWritable) { slot = .otherWritable }
                else if mode & S_ISVTX != 0 && c.isColored(.sticky) { slot = .sticky }
            case S_IFLNK: slot = .link
            case S_IFIFO: slot = .fifo
            case S_IFSOCK: slot = .socket
            case S_IFBLK: slot = .block
            case S_IFCHR: slot = .char
            default: slot = .orphan
            }
        }
        if slot == .file, let idx = suffixIndex, !idx.isEmpty, let m = idx.match(name) { return -1 - m }
        if slot == .link && linkok == 0 && (c.linkAsTarget || c.isColored(.orphan)) { slot = .orphan }
        return c.slots[slot.rawValue] != nil ? slot.rawValue : Int.min
    }

    // MARK: output

    /// GNU get_type_indicator.
    func typeIndicator(_ mode: UInt32, statOK: Bool) -> UInt8? {
        let t = mode & S_IFMT
        if t == S_IFREG { return statOK && o.indicator == .classify && mode & 0o111 != 0 ? 0x2A : nil }
        if t == S_IFDIR { return 0x2F }
        if o.indicator == .slash { return nil }
        switch t {
        case S_IFLNK: return 0x40
        case S_IFIFO: return 0x7C
        case S_IFSOCK: return 0x3D
        default: return nil
        }
    }

    /// The -l size with -h/--si or --block-size (rounded up, as GNU).
    func sizeText(_ size: Int64) -> String {
        let b = UInt64(max(0, size))
        if o.humanBase != 0 { return humanSize(b, base: o.humanBase) }
        return String(ceilDiv(b, o.sizeUnit)) + o.unitSuffix
    }

    func blocksText(_ e: LsEntry) -> String {
        if !e.statOK { return "?" }
        let b = UInt64(max(0, e.blocks))
        if o.humanBase != 0 { return humanSize(b, unit: 512, base: o.humanBase) }
        return String(blockUnits(b)) + o.unitSuffix
    }

    /// 512-byte blocks in --block-size units, rounded up, without
    /// overflow (a huge unit or block count must not trap).
    func blockUnits(_ blocks: UInt64) -> UInt64 {
        let (bytes, o1) = blocks.multipliedReportingOverflow(by: 512)
        let b = o1 ? UInt64.max : bytes
        return ceilDiv(b, o.blockUnit)
    }

    func emit(_ list: LsList, _ order: [Int], names: (users: IDNames, groups: IDNames), total: Bool, widthAlso: [LsEntry] = [], dir: String? = nil) {
        if let json { emitJSON(json, list, order, names: names, dir: dir); return }
        let e = list.entries
        var inoW = 0, blkW = 0
        var blocks: UInt64 = 0
        for i in order {
            if o.inode { inoW = max(inoW, e[i].statOK ? digits(e[i].ino) : 1) }
            blocks &+= UInt64(max(0, e[i].blocks))
        }
        if o.blockSize {
            for x in order.map({ e[$0] }) + widthAlso { blkW = max(blkW, blocksText(x).utf8.count) }
        }
        if total {
            out.write("total ")
            if o.humanBase != 0 { out.write(humanSize(blocks, unit: 512, base: o.humanBase)) }
            else { out.decimal(blockUnits(blocks)); out.write(o.unitSuffix) }
            out.byte(ASCII.newline)
        }
        if !o.long {
            if order.isEmpty { return }
            switch o.format {
            case .columns where o.lineLength > 0: printColumns(list, order, inoW, blkW, byColumns: true)
            case .across where o.lineLength > 0: printColumns(list, order, inoW, blkW, byColumns: false)
            case .columns, .across: printWithSeparator(list, order, inoW, blkW, sep: ASCII.space)
            case .commas: printWithSeparator(list, order, inoW, blkW, sep: 0x2C)
            default:
                for i in order {
                    printNameAndFrills(list, i, inoW, blkW, startCol: 0)
                    out.byte(ASCII.newline)
                    if out.isBroken { return }
                }
            }
            return
        }
        // Column widths, as GNU ls computes them over the whole listing.
        var linkW = 0, userW = 0, groupW = 0, sizeW = 0, majorW = 0, minorW = 0
        var userCache: [UInt32: [UInt8]] = [:], groupCache: [UInt32: [UInt8]] = [:]
        func label(_ id: UInt32, _ n: IDNames, _ cache: inout [UInt32: [UInt8]]) -> [UInt8] {
            if let c = cache[id] { return c }
            let s: [UInt8] = o.numeric ? Array(String(id).utf8) : Array((n.name(id) ?? String(id)).utf8)
            cache[id] = s
            return s
        }
        let human = o.humanBase
        // GNU sizes the columns of the command-line files together with the
        // directory operands (they share one table before being split).
        for x in order.map({ e[$0] }) + widthAlso {
            guard x.statOK else { linkW = max(linkW, 1); userW = max(userW, 1); groupW = max(groupW, 1); sizeW = max(sizeW, 1); continue }
            linkW = max(linkW, digits(x.nlink))
            if o.showOwner { userW = max(userW, label(x.uid, names.users, &userCache).count) }
            if o.showGroup { groupW = max(groupW, label(x.gid, names.groups, &groupCache).count) }
            let t = x.mode & S_IFMT
            if t == S_IFCHR || t == S_IFBLK {
                majorW = max(majorW, digits(devMajor(x.rdev))); minorW = max(minorW, digits(devMinor(x.rdev)))
                sizeW = max(sizeW, majorW + 2 + minorW)
            } else if human != 0 || o.sizeUnit != 1 {
                sizeW = max(sizeW, sizeText(x.size).utf8.count)
            } else {
                sizeW = max(sizeW, digits(UInt64(max(0, x.size))))
            }
        }
        var prefix: [UInt8] = []
        prefix.reserveCapacity(256)
        for i in order {
            let x = e[i]
            if normColored { setNormalColor() }
            if o.inode {
                if x.statOK { out.decimal(x.ino, width: inoW) } else { out.padded("?", width: inoW, leftAlign: false) }
                out.byte(ASCII.space)
            }
            if o.blockSize { out.padded(blocksText(x), width: blkW, leftAlign: false); out.byte(ASCII.space) }
            if x.statOK { modeString(x.mode, into: &mode10); out.write(mode10) }
            else {
                out.byte(typeLetter(x.mode)); out.repeatByte(0x3F, 9)
            }
            out.byte(ASCII.space)
            if x.statOK { out.decimal(x.nlink, width: linkW) } else { out.padded("?", width: linkW, leftAlign: false) }
            out.byte(ASCII.space)
            if o.showOwner {
                if x.statOK { column(userCache[x.uid]!, userW, numeric: o.numeric || names.users.name(x.uid) == nil) }
                else { column([0x3F], userW, numeric: false) }
            }
            if o.showGroup {
                if x.statOK { column(groupCache[x.gid]!, groupW, numeric: o.numeric || names.groups.name(x.gid) == nil) }
                else { column([0x3F], groupW, numeric: false) }
            }
            if o.context { out.write("? ") }
            let t = x.mode & S_IFMT
            if x.statOK && (t == S_IFCHR || t == S_IFBLK) {
                out.decimal(devMajor(x.rdev), width: sizeW - minorW - 2); out.write(", ")
                out.decimal(devMinor(x.rdev), width: minorW)
            } else if !x.statOK {
                out.padded("?", width: sizeW, leftAlign: false)
            } else if human != 0 || o.sizeUnit != 1 {
                out.padded(sizeText(x.size), width: sizeW, leftAlign: false)
            } else {
                out.decimal(x.size, width: sizeW)
            }
            out.byte(ASCII.space)
            // GNU's start column for the name counts from the size field
            // when an owner or group was printed (its buffer restarts there).
            var col = sizeW + 1 + writeTime(x) + 1
            if !(o.showOwner || o.showGroup || o.context) {
                col += (o.inode ? inoW + 1 : 0) + (o.blockSize ? blkW + 1 : 0) + 11 + linkW + 1
            }
            out.byte(ASCII.space)
            let w = writeName(list, i, target: false, startCol: col)
            if t == S_IFLNK && x.statOK {
                if x.linkOff >= 0 {
                    out.write(" -> ")
                    writeName(list, i, target: true, startCol: col + w + 4)
                    if o.indicator != .none, let c = typeIndicator(x.linkMode, statOK: true) { out.byte(c) }
                }
            } else if o.indicator != .none, let c = typeIndicator(x.mode, statOK: x.statOK) {
                out.byte(c)
            }
            out.byte(ASCII.newline)
            if out.isBroken { return }
        }
    }

    func typeLetter(_ mode: UInt32) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFDIR: return 0x64
        case S_IFLNK: return 0x6C
        case S_IFCHR: return 0x63
        case S_IFBLK: return 0x62
        case S_IFIFO: return 0x70
        case S_IFSOCK: return 0x73
        case S_IFREG: return 0x2D
        default: return 0x3F
        }
    }

    /// The date column in the chosen style.
    func writeTime(_ x: LsEntry) -> Int {
        guard x.statOK && !x.timeMissing else {
            out.padded("?", width: timeWidth(), leftAlign: false); return max(1, timeWidth())
        }
        // A time after the "now" read at start: read the clock again (GNU),
        // so a file written while ls runs is not taken for the future.
        if x.mtime > nowSec || (x.mtime == nowSec && Int(x.mtimeNs) > nowNs) {
            let (s, n) = currentTime()
            if s != nowSec { dates = LsDateFormatter(now: s) }
            nowSec = s; nowNs = n
        }
        guard let f = o.timeFormats else {
            let d = dates.format(seconds: x.mtime, nanoseconds: Int(x.mtimeNs), currentNanoseconds: nowNs)
            out.write(d); return d.count
        }
        var recent = false
        let six = nowSec - 31556952 / 2
        recent = (six < x.mtime || (six == x.mtime && nowNs < Int(x.mtimeNs)))
            && (x.mtime < nowSec || (x.mtime == nowSec && Int(x.mtimeNs) < nowNs))
        if let s = strftimeNs(recent ? f.recent : f.old, x.mtime, Int(x.mtimeNs)) { out.write(s); return s.count }
        let t = String(x.mtime)
        out.padded(t, width: timeWidth(), leftAlign: false)
        return max(t.utf8.count, timeWidth())
    }

    /// GNU long_time_expected_width: the width of the epoch in the old format.
    func timeWidth() -> Int {
        if expectedTimeWidth < 0 {
            if let f = o.timeFormats { expectedTimeWidth = strftimeNs(f.old, 0, 0)?.count ?? 0 }
            else { expectedTimeWidth = dates.format(seconds: 0, nanoseconds: 0).count }
        }
        return expectedTimeWidth
    }

    /// strftime(3) with %N (nanoseconds, 9 digits) as GNU's nstrftime.
    func strftimeNs(_ format: String, _ sec: Int64, _ ns: Int) -> [UInt8]? {
        guard var t = localTime(sec) else { return nil }
        var fmt = ""
        var it = format.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c != "%" { fmt.unicodeScalars.append(c); continue }
            guard let d = it.next() else { fmt += "%"; break }
            if d == "N" {
                let s = String(ns)
                fmt += String(repeating: "0", count: max(0, 9 - s.count)) + s
            } else { fmt.unicodeScalars.append(c); fmt.unicodeScalars.append(d) }
        }
        if fmt.isEmpty { return [] }
        let n = timeBuf.withUnsafeMutableBufferPointer { b in strftime(b.baseAddress!, b.count, fmt, &t) }
        if n == 0 { return nil }
        return timeBuf.withUnsafeBufferPointer { b in b.withMemoryRebound(to: UInt8.self) { Array($0[0..<n]) } }
    }

    /// Inode, blocks, context, the name and its indicator (GNU print_file_name_and_frills).
    func printNameAndFrills(_ list: LsList, _ i: Int, _ inoW: Int, _ blkW: Int, startCol: Int) {
        let x = list.entries[i]
        setNormalColor()
        let commas = o.format == .commas
        if o.inode {
            if x.statOK || !needStat { out.decimal(x.ino, width: commas ? 0 : inoW) } else { out.padded("?", width: commas ? 0 : inoW, leftAlign: false) }
            out.byte(ASCII.space)
        }
        if o.blockSize { out.padded(blocksText(x), width: commas ? 0 : blkW, leftAlign: false); out.byte(ASCII.space) }
        if o.context { out.write("? ") }
        writeName(list, i, target: false, startCol: startCol)
        if o.indicator != .none, let c = typeIndicator(x.mode, statOK: x.statOK) { out.byte(c) }
    }

    /// GNU length_of_file_name_and_frills.
    func frillsWidth(_ list: LsList, _ i: Int, _ inoW: Int, _ blkW: Int) -> Int {
        let x = list.entries[i]
        let commas = o.format == .commas
        var len = 0
        if o.inode { len += 1 + (commas ? digits(x.ino) : inoW) }
        if o.blockSize { len += 1 + (commas ? blocksText(x).utf8.count : blkW) }
        if o.context { len += 2 }
        len += nameWidth(list, i)
        if o.indicator != .none, typeIndicator(x.mode, statOK: x.statOK) != nil { len += 1 }
        return len
    }

    /// GNU print_with_separator: names separated by SEP and a space,
    /// lines broken before the width is reached.
    func printWithSeparator(_ list: LsList, _ order: [Int], _ inoW: Int, _ blkW: Int, sep: UInt8) {
        var pos = 0
        let l = o.lineLength
        for (k, i) in order.enumerated() {
            let len = l > 0 ? frillsWidth(list, i, inoW, blkW) : 0
            if k != 0 {
                out.byte(sep)
                if l == 0 || pos + len + 2 < l { pos += 2; out.byte(ASCII.space) } else { pos = 0; out.byte(ASCII.newline) }
            }
            printNameAndFrills(list, i, inoW, blkW, startCol: pos)
            pos += len
            if out.isBroken { return }
        }
        out.byte(ASCII.newline)
    }

    /// GNU indent: spaces, or tabs where a tab stop is crossed.
    @inline(__always) func indent(_ from: Int, _ to: Int) {
        var from = from
        let t = o.tabSize
        while from < to {
            if t != 0 && to / t > (from + 1) / t { out.byte(ASCII.tab); from += t - from % t }
            else { out.byte(ASCII.space); from += 1 }
        }
    }

    /// GNU's many-per-line (-C, filled top to bottom) and horizontal (-x)
    /// formats: as many columns as fit in the width, each as wide as its
    /// widest entry plus two.
    func printColumns(_ list: LsList, _ order: [Int], _ inoW: Int, _ blkW: Int, byColumns: Bool) {
        let n = order.count
        let lengths = order.map { frillsWidth(list, $0, inoW, blkW) }
        let minWidth = 3
        let lineLength = o.lineLength
        var maxIdx = lineLength / minWidth + (lineLength % minWidth != 0 ? 1 : 0)
        if maxIdx == 0 { maxIdx = 1 }
        let maxCols = min(maxIdx, n)
        var valid = [Bool](repeating: true, count: maxCols)
        var lineLen = (0..<maxCols).map { ($0 + 1) * minWidth }
        var colArr = (0..<maxCols).map { [Int](repeating: minWidth, count: $0 + 1) }
        for f in 0..<n {
            for i in 0..<maxCols where valid[i] {
                let idx = byColumns ? f / ((n + i) / (i + 1)) : f % (i + 1)
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
        if !byColumns {
            var pos = 0
            printNameAndFrills(list, order[0], inoW, blkW, startCol: 0)
            var nameLength = lengths[0], maxName = widths[0]
            for f in 1..<max(1, n) {
                let col = f % cols
                if col == 0 { out.byte(ASCII.newline); pos = 0 }
                else { indent(pos + nameLength, pos + maxName); pos += maxName }
                printNameAndFrills(list, order[f], inoW, blkW, startCol: pos)
                nameLength = lengths[f]; maxName = widths[col]
                if out.isBroken { return }
            }
            out.byte(ASCII.newline)
            return
        }
        let rows = n / cols + (n % cols != 0 ? 1 : 0)
        for row in 0..<rows {
            var col = 0, f = row, pos = 0
            while true {
                printNameAndFrills(list, order[f], inoW, blkW, startCol: pos)
                let maxName = widths[col]; col += 1
                if n - rows <= f { break }
                f += rows
                indent(pos + lengths[f - rows], pos + maxName)
                pos += maxName
            }
            out.byte(ASCII.newline)
            if out.isBroken { return }
        }
    }

    /// Owner/group column: names left-aligned, numbers right-aligned (GNU).
    @inline(__always) func column(_ s: [UInt8], _ width: Int, numeric: Bool) {
        if numeric { out.repeatByte(ASCII.space, width - s.count); out.write(s) }
        else { out.write(s); out.repeatByte(ASCII.space, width - s.count) }
        out.byte(ASCII.space)
    }
}

/// The extension for --sort=extension: from the last `.` (GNU strrchr), or "".
func extensionOf(_ name: Bytes) -> Bytes {
    var i = name.count - 1
    while i >= 0 { if name[i] == 0x2E { return Bytes(rebasing: name[i...]) }; i -= 1 }
    return Bytes(rebasing: name[name.count...])
}

/// gnulib filevercmp (coreutils 9.1): version-aware name comparison for -v.
func fileVersionCompare(_ a: Bytes, _ b: Bytes) -> Int {
    if a.isEmpty { return b.isEmpty ? 0 : -1 }
    if b.isEmpty { return 1 }
    if a[0] == 0x2E {
        if b[0] != 0x2E { return -1 }
        let adot = a.count == 1, bdot = b.count == 1
        if adot { return bdot ? 0 : -1 }
        if bdot { return 1 }
        let add = a[1] == 0x2E && a.count == 2, bdd = b[1] == 0x2E && b.count == 2
        if add { return bdd ? 0 : -1 }
        if bdd { return 1 }
    } else if b[0] == 0x2E { return 1 }
    let ap = versionPrefixLength(a), bp = versionPrefixLength(b)
    let r = versionRevCompare(a, ap, b, bp)
    if r != 0 || (ap == a.count && bp == b.count) { return r }
    let full = versionRevCompare(a, a.count, b, b.count)
    return full != 0 ? full : memcmpOrder(a, b)
}

private func memcmpOrder(_ a: Bytes, _ b: Bytes) -> Int {
    let c = memcmp(a.baseAddress!, b.baseAddress!, min(a.count, b.count))
    return c != 0 ? Int(c) : a.count - b.count
}

@inline(__always) private func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// The name without a suffix matching (\.[A-Za-z~][A-Za-z0-9~]*)*$.
private func versionPrefixLength(_ s: Bytes) -> Int {
    let n = s.count
    var prefix = 0, i = 0
    while true {
        if i == n { return prefix }
        i += 1
        prefix = i
        while i + 1 < n && s[i] == 0x2E && (isAlpha(s[i + 1]) || s[i + 1] == 0x7E) {
            i += 2
            while i < n && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == 0x7E) { i += 1 }
        }
    }
}

private func versionOrder(_ s: Bytes, _ pos: Int, _ len: Int) -> Int {
    if pos == len { return 0 }
    let c = s[pos]
    if isDigit(c) { return 0 }
    if isAlpha(c) { return Int(c) }
    if c == 0x7E { return -1 }
    return 256 + Int(c)
}

private func versionRevCompare(_ a: Bytes, _ al: Int, _ b: Bytes, _ bl: Int) -> Int {
    var i = 0, j = 0
    while i < al || j < bl {
        var firstDiff = 0
        while (i < al && !isDigit(a[i])) || (j < bl && !isDigit(b[j])) {
            let x = versionOrder(a, i, al), y = versionOrder(b, j, bl)
            if x != y { return x - y }
            i += 1; j += 1
        }
        while i < al && a[i] == 0x30 { i += 1 }
        while j < bl && b[j] == 0x30 { j += 1 }
        while i < al && j < bl && isDigit(a[i]) && isDigit(b[j]) {
            if firstDiff == 0 { firstDiff = Int(a[i]) - Int(b[j]) }
            i += 1; j += 1
        }
        if i < al && isDigit(a[i]) { return 1 }
        if j < bl && isDigit(b[j]) { return -1 }
        if firstDiff != 0 { return firstDiff }
    }
    return 0
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

/// GNU's --block-size (human.c humblock): `[']N[SUFFIX]`, SUFFIX K M G T P
/// E Z Y (1024), with B (1000: KB) or iB (1024: KiB); a suffix without a
/// number is shown after each size. nil when invalid or 0.
func lsBlockSize(_ text: String) -> (UInt64, String)? {
    var b = Array(text.utf8)[...]
    if b.first == 0x27 { b = b.dropFirst() }   // digit grouping: none in the C locale
    var n: UInt64 = 0, digits = 0
    while let c = b.first, c >= 0x30, c <= 0x39 {
        let (m, o1) = n.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
        if o1 || o2 { return nil }
        n = a; digits += 1; b = b.dropFirst()
    }
    if digits == 0 { n = 1 }
    var unit: UInt64 = 1, suffix = ""
    if let c = b.first {
        guard let e = Array("KMGTPEZY".utf8).firstIndex(of: c & ~0x20) else { return nil }
        let rest = String(decoding: b.dropFirst(), as: UTF8.self)
        let base: UInt64 = rest == "B" ? 1000 : 1024
        guard rest.isEmpty || rest == "B" || rest == "iB" else { return nil }
        for _ in 0...e {
            let (m, o) = unit.multipliedReportingOverflow(by: base)
            if o { return nil }
            unit = m
        }
        if digits == 0 {
            suffix = (base == 1000 && e == 0 ? "k" : String(decoding: [Array("KMGTPEZY".utf8)[e]], as: UTF8.self)) + rest
        }
    }
    let (v, o) = n.multipliedReportingOverflow(by: unit)
    return o || v == 0 ? nil : (v, suffix)
}
