import ToolboxCore

// GNU tar's option semantics that are not about the archive format:
// --exclude and member patterns, --strip-components, --mode, --mtime,
// --owner/--group, -T lists. Used by Tar.swift.

/// Patterns of --exclude and --exclude-from, as GNU tar applies them by
/// default: unanchored (tried at the start of the name and after every
/// `/`), `*` matches `/`, and a match of leading directories excludes what
/// is below them (FNM_LEADING_DIR).
struct TarExcludes {
    var patterns: [[UInt8]] = []
    var isEmpty: Bool { patterns.isEmpty }

    func excludes(_ name: [UInt8]) -> Bool {
        if patterns.isEmpty { return false }
        var n = name
        while n.count > 1, n.last == 0x2F { n.removeLast() }
        return tarWithCName(n) { p in
            for pat in patterns {
                let hit = tarWithCName(pat) { pp -> Bool in
                    var i = 0
                    while true {
                        if fnmatch(pp, p + i, CSHIM_FNM_LEADING_DIR) == 0 { return true }
                        guard let s = n[i...].firstIndex(of: 0x2F) else { return false }
                        i = s + 1
                    }
                }
                if hit { return true }
            }
            return false
        }
    }
}

/// True when `pattern` has fnmatch's special characters.
func tarHasWildcards(_ pattern: [UInt8]) -> Bool {
    pattern.contains { $0 == 0x2A || $0 == 0x3F || $0 == 0x5B || $0 == 0x5C }
}

/// A member operand given with --wildcards: anchored, `*` matches `/`,
/// and a directory pattern selects what is below it.
func tarWildcardMatch(_ pattern: [UInt8], _ name: [UInt8]) -> Bool {
    tarWithCName(pattern) { p in tarWithCName(name) { fnmatch(p, $0, CSHIM_FNM_LEADING_DIR) == 0 } }
}

/// GNU's stripped_prefix_len: the length of the first `n` components (with
/// trailing slashes of the name ignored), or nil when there are not more.
func tarStrippedPrefix(_ name: [UInt8], _ n: Int) -> Int? {
    var end = name.count
    while end > 1, name[end - 1] == 0x2F { end -= 1 }
    var p = 0, left = n
    while p < end, name[p] == 0x2F { p += 1 }
    while p < end {
        let slash = name[p] == 0x2F
        p += 1
        if slash {
            left -= 1
            if left == 0 { return p < end ? p : nil }
            while p < end, name[p] == 0x2F { p += 1 }
        }
    }
    return nil
}

/// A --mode argument: octal, or chmod's symbolic clauses
/// (`[ugoa]*([-+=]([rwxXst]*|[ugo]))+`, comma-separated), applied as
/// coreutils' mode_adjust does (no `who`: the umask limits the bits).
struct TarModeSpec {
    private struct Change { var op: UInt8; var who: UInt32; var perms: UInt32; var copy: UInt32?; var condX: Bool }
    private var changes: [Change] = []
    private var octal: UInt32?
    private var octalMentioned: UInt32 = 0

    init?(_ text: String) {
        let b = Array(text.utf8)
        if b.isEmpty { return nil }
        if b.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
            var v: UInt32 = 0
            for c in b { v = v * 8 + UInt32(c - 0x30); if v > 0o7777 { return nil } }
            octal = v
            octalMentioned = b.count < 5 ? (v & 0o6000) | 0o1777 : 0o7777
            return
        }
        for clause in b.split(separator: 0x2C, omittingEmptySubsequences: false) {
            var i = clause.startIndex
            var who: UInt32 = 0
            while i < clause.endIndex, let w = Self.whoBits(clause[i]) { who |= w; i += 1 }
            if i == clause.endIndex { return nil }
            while i < clause.endIndex {
                let op = clause[i]
                guard op == 0x2B || op == 0x2D || op == 0x3D else { return nil }
                i += 1
                var c = Change(op: op, who: who, perms: 0, copy: nil, condX: false)
                if i < clause.endIndex, let w = Self.whoBits(clause[i]), clause[i] != 0x61 {
                    c.copy = w; i += 1
                } else {
                    while i < clause.endIndex {
                        switch clause[i] {
                        case 0x72: c.perms |= 0o444
                        case 0x77: c.perms |= 0o222
                        case 0x78: c.perms |= 0o111
                        case 0x58: c.condX = true
                        case 0x73: c.perms |= 0o6000
                        case 0x74: c.perms |= 0o1000
                        default: break
                        }
                        if "rwxXst".utf8.contains(clause[i]) { i += 1 } else { break }
                    }
                }
                changes.append(c)
            }
        }
    }

    private static func whoBits(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x75: return 0o4700
        case 0x67: return 0o2070
        case 0x6F: return 0o1007
        case 0x61: return 0o7777
        default: return nil
        }
    }

    func apply(_ mode: UInt32, isDirectory: Bool, umask: UInt32) -> UInt32 {
        if let o = octal { return (mode & ~octalMentioned) | (o & octalMentioned) }
        var m = mode & 0o7777
        for c in changes {
            let affected = c.who == 0 ? 0o7777 : c.who
            var value = c.perms
            if let from = c.copy {
                let bits = m & from & 0o777
                let rwx = (bits >> 6 | bits >> 3 | bits) & 7
                value = rwx << 6 | rwx << 3 | rwx
            }
            if c.condX && (isDirectory || m & 0o111 != 0) { value |= 0o111 }
            value &= affected & (c.who == 0 ? ~umask : 0o7777)
            switch c.op {
            case 0x3D:
                // Directories keep setuid/setgid unless mentioned (coreutils).
                let keep: UInt32 = isDirectory ? 0o6000 & ~(c.perms & 0o6000) : 0
                m = (m & (~affected | keep)) | value
            case 0x2B: m |= value
            default: m &= ~value
            }
        }
        return m
    }
}

/// --owner/--group `NAME[:ID]`, `ID` or `NAME` (GNU's parse_owner_group):
/// the id to store (nil: the file's own) and the name (nil: looked up).
func tarOwnerOption(_ arg: String, names: IDNames) throws -> (id: UInt32?, name: String?) {
    if let colon = arg.firstIndex(of: ":") {
        let name = String(arg[..<colon]), num = String(arg[arg.index(after: colon)...])
        guard let id = UInt32(num) else {
            throw ToolError(exitCode: 2, message: "\(num): Invalid owner or group ID\ntar: Error is not recoverable: exiting now")
        }
        return (id, name.isEmpty ? nil : name)
    }
    if let f = arg.utf8.first, f >= 0x30, f <= 0x39 {
        if let id = UInt32(arg) { return (id, nil) }
        if arg.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            throw ToolError(exitCode: 2, message: "\(arg): Invalid owner or group ID\ntar: Error is not recoverable: exiting now")
        }
    }
    return (names.id(arg), arg)
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]` in local time, as GNU's --full-time.
func tarFullTime(_ t: Int64, nanoseconds: UInt32 = 0) -> String {
    var secs = time_t(t)
    var tm = Glibc.tm()
    guard localtime_r(&secs, &tm) != nil else { return String(t) }
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
    var s = "\(calendarYear(tm))-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday)) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))"
    if nanoseconds > 0 {
        var digits = Array(String(nanoseconds).utf8)
        digits = [UInt8](repeating: 0x30, count: 9 - digits.count) + digits
        while digits.last == 0x30 { digits.removeLast() }
        s += "." + String(decoding: digits, as: UTF8.self)
    }
    return s
}

/// A --mtime date: `@SECONDS[.FRACTION]`, `YYYY-MM-DD`, or
/// `YYYY-MM-DD[ T]HH:MM[:SS[.FRACTION]]` in local time; nil otherwise.
/// (A name starting with `/` or `.` is a reference file: the caller stats it.)
func tarParseDate(_ text: String) -> (Int64, UInt32)? {
    let b = Array(text.utf8)
    if b.first == 0x40 { return Ustar.parsePaxTime(String(text.dropFirst())) }
    func number(_ r: Range<Int>) -> Int32? {
        guard r.upperBound <= b.count, !r.isEmpty else { return nil }
        var v: Int32 = 0
        for i in r { guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }; v = v * 10 + Int32(b[i] - 0x30) }
        return v
    }
    guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10),
          (1...12).contains(mo), (1...31).contains(d) else { return nil }
    var h: Int32 = 0, mi: Int32 = 0, s: Int32 = 0
    var nanos: UInt32 = 0
    if b.count > 10 {
        guard b[10] == 0x20 || b[10] == 0x54, b.count >= 16, b[13] == 0x3A, let hh = number(11..<13), let mm = number(14..<16),
              hh < 24, mm < 60 else { return nil }
        h = hh; mi = mm
        if b.count > 16 {
            guard b[16] == 0x3A, let ss = number(17..<19), ss < 61 else { return nil }
            s = ss
            if b.count > 19 {
                guard b[19] == 0x2E || b[19] == 0x2C, let f = Ustar.parsePaxTime("0." + String(decoding: b[20...], as: UTF8.self)) else { return nil }
                nanos = f.1
            }
        }
    }
    var tm = Glibc.tm()
    tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s; tm.tm_isdst = -1
    let t = mktime(&tm)
    if t == -1 && !(y == 1969 || y == 1970) { return nil }
    return (Int64(t), nanos)
}

/// The names of a -T/--files-from or -X/--exclude-from list: lines (or
/// NUL-separated with --null), empty ones ignored. `-` is stdin. Read to
/// a bound (64 MiB).
func tarReadNameList(_ ctx: Context, _ file: String, null: Bool, option: String) throws -> [[UInt8]] {
    let fd: FileDescriptor
    if file == "-" { fd = .standardInput } else {
        do { fd = try openUserPath(file, flags: O_RDONLY, procRoot: ctx.procfs.root) } catch {
            // GNU's words differ: -T "Cannot stat", -X the bare reason.
            let what = option == "-T" ? "Cannot stat: " : ""
            throw ToolError(exitCode: 2, message: "\(file): \(what)\(error.description)\ntar: Error is not recoverable: exiting now")
        }
    }
    defer { if file != "-" { fd.close() } }
    let buffer = ReadBuffer(capacity: 1 << 16)
    let bytes: [UInt8]
    do throws(Errno) { bytes = Array(try buffer.readAll(fd, limit: 64 << 20)) } catch {
        throw ToolError(exitCode: 2, message: "\(file): Read error: \(error.description)\ntar: Error is not recoverable: exiting now")
    }
    let sep: UInt8 = null ? 0 : ASCII.newline
    return bytes.split(separator: sep, omittingEmptySubsequences: true).map { Array($0) }
}

/// --transform/--xform: GNU tar's sed-like expressions, compiled with
/// regcomp and applied in order to member names (create and extract) and
/// link targets. Deviations from GNU tar 1.34, whose loop is endless on an
/// empty match with `g` and which repeats the text before a skipped match
/// with a number flag: an empty match copies one byte and goes on, a
/// skipped match is kept once.
struct TarTransform {
    private var exprs: [(TarTransformExpr, POSIXRegex)] = []
    var isEmpty: Bool { exprs.isEmpty }

    init(_ args: [String]) throws {
        var scope = TarTransformScope.all
        func usage(_ m: String) -> ToolError {
            ToolError(exitCode: 2, message: m + "\nTry 'tar --help' or 'tar --usage' for more information.")
        }
        for a in args {
            let parsed: [TarTransformExpr]
            do throws(TarTransformError) { parsed = try parseTarTransform(Array(a.utf8), scope: &scope) } catch {
                throw usage(error.message)
            }
            for x in parsed {
                let re: POSIXRegex
                do { re = try POSIXRegex(x.regex, extended: x.extended, ignoreCase: x.ignoreCase) } catch {
                    throw usage("Invalid transform expression: \(error.message)")
                }
                if x.maxGroup > re.groupCount { throw usage("Invalid transform replacement: back reference out of range") }
                exprs.append((x, re))
            }
        }
    }

    /// Where a transformed name stops growing (see apply).
    static let nameLimit = 65536

    /// `name` through every expression whose scope includes `scope`.
    func apply(_ name: [UInt8], _ scope: UInt8) -> [UInt8] {
        var s = name
        for (x, re) in exprs where x.scope & scope != 0 {
            var out: [UInt8] = [], pos = 0, n = 0
            var state = TarCaseState()
            var m = [regmatch_t](repeating: regmatch_t(), count: re.groupCount + 1)
            // NUL-terminated: regexec is given the length (REG_STARTEND), but
            // ASan's regexec interceptor measures the subject with strlen
            // (the transform fuzz target's first seed read past the name).
            (s + [0]).withUnsafeBufferPointer { z in
                guard z.baseAddress != nil else { return }
                let b = UnsafeBufferPointer(rebasing: z[0..<(z.count - 1)])
                guard let base = b.baseAddress else { return }
                while pos < b.count {
                    // The rest as a string of its own: `^` matches there (GNU
                    // tar's regexec on the rest; GNU never ends on `s/\</X/g`).
                    guard re.match(base + pos, count: b.count - pos, groups: &m) else { break }
                    let so = Int(m[0].rm_so), eo = Int(m[0].rm_eo)
                    n += 1
                    if x.occurrence > 0 && n < x.occurrence {
                        out += b[pos..<(pos + eo)]
                    } else {
                        out += b[pos..<(pos + so)]
                        state.render(x.replacement, into: &out) { g in
                            g < m.count && m[g].rm_so >= 0 ? UnsafeBufferPointer(rebasing: b[(pos + Int(m[g].rm_so))..<(pos + Int(m[g].rm_eo))]) : nil
                        }
                        if !x.global { pos += eo; break }
                    }
                    pos += eo
                    // A name stops growing at 64 KiB (no file system takes a
                    // path over 4 KiB): once what is written plus the rest
                    // reaches it, the rest is copied as it is. Chained
                    // `s/X/long/g` expressions that match everywhere would
                    // otherwise multiply a name by the replacement's length
                    // per expression (the transform fuzz target's hang: 64
                    // bytes to tens of megabytes in five expressions).
                    if out.count + (b.count - pos) >= TarTransform.nameLimit { break }
                    // An empty match (anywhere, not only at the start of the
                    // rest): copy one byte and go on, so it is not matched twice.
                    if so == eo {
                        guard pos < b.count else { break }
                        out.append(b[pos]); pos += 1
                    }
                }
                out += b[pos...]
            }
            s = out
        }
        return s
    }
}

extension TarConfig {
    /// A member read from an archive as GNU's transform_stat_info leaves it:
    /// the name (trailing slashes dropped) and link targets transformed.
    func transformed(_ h: TarHeader, _ name: [UInt8]) -> (TarHeader, [UInt8]) {
        guard let t = transform else { return (h, name) }
        var n = name
        while n.count > 1, n.last == 0x2F { n.removeLast() }
        return (transformedLink(h), t.apply(n, TarTransformScope.names))
    }

    /// The header with its link target transformed (listing shows stored
    /// names but transformed targets, as GNU).
    func transformedLink(_ h: TarHeader) -> TarHeader {
        guard let t = transform else { return h }
        var h = h
        if h.typeflag == TarType.symlink { h.linkname = t.apply(h.linkname, TarTransformScope.symlinks) }
        if h.typeflag == TarType.hardLink { h.linkname = t.apply(h.linkname, TarTransformScope.hardLinks) }
        return h
    }
}
