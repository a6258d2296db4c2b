import ToolboxCore

let findApplet = Applet(spec: AppletSpec(
    name: "find",
    summary: "Search a directory tree like GNU find; paths through /proc/PID/root are resolved inside that container",
    usage: ["[-H] [-L] [-P] [--verbose] [PATH...] [EXPRESSION]"],
    details: """
    Options: -H (follow links named as PATH), -L (follow all links), -P (never, the default),
    -depth -d, -maxdepth N, -mindepth N, -xdev -mount, -regextype TYPE.
    Tests: -name -iname -path -ipath -wholename -iwholename -lname -ilname PATTERN,
    -regex -iregex RE (GNU regex; default syntax emacs, as GNU find), -type [fdlbcps][,...],
    -size [+-]N[cwbkMG], -perm [-/]MODE (octal or symbolic), -user -group NAME|ID, -uid -gid N,
    -nouser -nogroup, -links N, -inum N, -samefile FILE, -empty, -readable -writable -executable,
    -amin -cmin -mmin -atime -ctime -mtime [+-]N, -newer -anewer -cnewer FILE, -newerXY FILE (X, Y: a c m; Y t: DATE)
    (X, Y among a c m), -true -false. N is +N (more than), -N (less than) or N (exactly).
    Actions: -print -print0 -printf FORMAT -ls -delete -prune -quit,
    -exec -execdir -ok -okdir COMMAND ; and -exec -execdir COMMAND {} + (-print if none is given).
    Operators: ! -not, -a -and, -o -or, ( ), ','.
    -user, -group, -nouser, -nogroup, %u and %g use the passwd and group files of the root the
    first PATH is in (the container's own under /proc/PID/root). -exec and -ok give COMMAND the
    path as typed; a COMMAND naming a toolbox applet runs toolbox's own code in a child without
    exec (like sh), any other is looked up on PATH. find waits for COMMAND without a deadline (it
    is the user's command). -delete removes through the descriptor of the parent directory
    find is reading (unlinkat), never through a name resolved again. Output is in directory
    traversal order (readdir order), as GNU find prints it. Directories are read with O_NOATIME
    where permitted.
    """,
    options: [verboseOption]), run: runFind)

/// How deep `(` and `!` may nest in a find expression (each level costs
/// stack in the parser and in evaluation).
let maxFindNesting = 1000

/// A numeric test's comparison: +N, -N or N (GNU's COMP_GT, COMP_LT, COMP_EQ).
struct FindCompare {
    var cmp: Int8
    var n: Int64
    @inline(__always) func test(_ v: Int64) -> Bool { cmp == 0 ? v == n : (cmp > 0 ? v > n : v < n) }
}

/// Fields of stat a numeric test reads.
enum FindNumField: UInt8 { case uid, gid, links, inum }

/// -exec, -execdir, -ok, -okdir: the command and, for `+`, the batch being built.
final class FindExec {
    let args: [[UInt8]]          // the command; with `+`, without the trailing {}
    let batch: Bool
    let inDir: Bool
    let prompt: Bool
    let hasBraces: [Bool]
    var pending: [[UInt8]] = []
    var pendingBytes = 0
    var pendingDir: FileDescriptor? = nil
    var pendingDirID = -1
    init(args: [[UInt8]], batch: Bool, inDir: Bool, prompt: Bool) {
        self.args = args; self.batch = batch; self.inDir = inDir; self.prompt = prompt
        hasBraces = args.map { a in a.count >= 2 && a.indices.dropLast().contains { a[$0] == 0x7B && a[$0 + 1] == 0x7D } }
        pendingBytes = args.reduce(0) { $0 + $1.count + 1 }
    }
}

/// A compiled -regex (GNU regex, never freed: one per expression).
struct FindRegex { let re: UnsafeMutableRawPointer }

/// A parsed find expression.
indirect enum FindExpr {
    case name([CChar], flags: Int32)
    case path([CChar], flags: Int32)
    case lname([CChar], flags: Int32)
    case regex(FindRegex)
    case type(UInt16)                  // bit per d_type value
    case size(cmp: Int, n: UInt64, unit: UInt64)
    /// -amin..-mtime: GNU's time window (reference time, kind, window seconds); field a/c/m.
    case time(field: UInt8, sec: Int64, ns: Int, cmp: Int8, window: Int64)
    case newer(field: UInt8, sec: Int64, ns: Int)
    case perm(kind: UInt8, mode: UInt32)   // 0 exact, 1 all (-), 2 any (/)
    case num(FindNumField, FindCompare)
    case nouser, nogroup, empty, prune, quit, delete
    case access(Int32)
    case samefile(dev: UInt64, ino: UInt64)
    case exec(FindExec)
    case printf(FindFormat)
    case print, print0, ls, alwaysTrue
    case not(FindExpr)
    /// A chain `a -a b -a c` is one node with its terms in order (never a
    /// tree as deep as the chain: 20,000 `-o` terms are one `.or`).
    case and([FindExpr])
    case or([FindExpr])
    /// `a , b`: both evaluated, the value is b's.
    case list([FindExpr])

    var hasAction: Bool {
        switch self {
        case .print, .print0, .exec, .delete, .printf, .ls: return true
        case .not(let e): return e.hasAction
        case .and(let l), .or(let l), .list(let l): return l.contains { $0.hasAction }
        default: return false
        }
    }
    var hasDelete: Bool {
        switch self {
        case .delete: return true
        case .not(let e): return e.hasDelete
        case .and(let l), .or(let l), .list(let l): return l.contains { $0.hasDelete }
        default: return false
        }
    }
}

/// What the parser needs from the file system: a reference file's stat
/// (-newer, -samefile) and the names of the first root (-user, -group).
struct FindParserEnvironment {
    var statRef: (String) throws -> Glibc_stat_t
    var userID: (String) -> UInt32?
    var groupID: (String) -> UInt32?
    var now: (Int64, Int)
}

/// Parses the expression (after the paths) by recursive descent:
/// list := or (, or)*; or := and (-o and)*; and := unary ((-a)? unary)*;
/// unary := ! unary | ( list ) | primary.
/// Chains are loops, a run of `!` is one negation or none, and `(` and `!`
/// may nest `maxFindNesting` deep: past it a usage error, never a stack
/// overflow (50,000 nested `(` crashed with SIGSEGV before).
struct FindParser {
    var args: [String]
    var i = 0
    var nesting = 0
    var maxDepth = Int.max, minDepth = 0, xdev = false, verbose = false, depthFirst = false
    var regexType: Int32 = CSHIM_RX_FINDUTILS_DEFAULT
    var execs: [FindExec] = []
    var warnings: [String] = []
    let env: FindParserEnvironment

    init(args: [String], env: FindParserEnvironment) { self.args = args; self.env = env }

    mutating func parse() throws -> FindExpr {
        if args.isEmpty { return .alwaysTrue }
        let e = try parseList()
        if i < args.count {
            throw ToolError.usage(args[i] == ")" ? "unexpected ')'" : "unexpected argument '\(args[i])'")
        }
        return e
    }
    mutating func parseList() throws -> FindExpr {
        var terms = [try parseOr()]
        while i < args.count, args[i] == "," {
            i += 1
            terms.append(try parseOr())
        }
        return terms.count == 1 ? terms[0] : .list(terms)
    }
    mutating func parseOr() throws -> FindExpr {
        var terms = [try parseAnd()]
        while i < args.count, args[i] == "-o" || args[i] == "-or" {
            i += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }
    mutating func parseAnd() throws -> FindExpr {
        var terms = [try parseUnary()]
        while i < args.count, args[i] != "-o", args[i] != "-or", args[i] != ")", args[i] != "," {
            if args[i] == "-a" || args[i] == "-and" { i += 1 }
            terms.append(try parseUnary())
        }
        return terms.count == 1 ? terms[0] : .and(terms)
    }
    mutating func parseUnary() throws -> FindExpr {
        guard i < args.count else { throw ToolError.usage("expected an expression at the end") }
        let a = args[i]
        if a == "!" || a == "-not" {
            var negate = false
            while i < args.count, args[i] == "!" || args[i] == "-not" { negate.toggle(); i += 1 }
            nesting += 1
            defer { nesting -= 1 }
            if nesting > maxFindNesting { throw ToolError.usage("expression nested deeper than \(maxFindNesting) levels") }
            let e = try parseUnary()
            return negate ? .not(e) : e
        }
        if a == "(" {
            i += 1
            nesting += 1
            defer { nesting -= 1 }
            if nesting > maxFindNesting { throw ToolError.usage("expression nested deeper than \(maxFindNesting) levels") }
            let e = try parseList()
            guard i < args.count, args[i] == ")" else { throw ToolError.usage("missing ')'") }
            i += 1
            return e
        }
        return try parsePrimary()
    }

    /// One test or action. Out of line: its frame is large (debug builds),
    /// and parseUnary recurses up to maxFindNesting deep.
    @inline(never)
    mutating func parsePrimary() throws -> FindExpr {
        let a = args[i]
        i += 1
        func value() throws -> String {
            guard i < args.count else { throw ToolError.failure("missing argument to `\(a)'") }
            i += 1
            return args[i - 1]
        }
        func compare(_ v: String) throws -> FindCompare {
            var s = Substring(v)
            var c: Int8 = 0
            if s.hasPrefix("+") { c = 1; s = s.dropFirst() } else if s.hasPrefix("-") { c = -1; s = s.dropFirst() }
            guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int64(s) else {
                throw ToolError.failure("invalid argument `\(v)' to `\(a)'")
            }
            return FindCompare(cmp: c, n: n)
        }
        func pattern(_ v: String) -> [CChar] { Array(v.utf8CString) }
        switch a {
        case "-name", "-iname":
            return .name(pattern(try value()), flags: a == "-iname" ? CSHIM_FNM_CASEFOLD : 0)
        case "-path", "-wholename", "-ipath", "-iwholename":
            return .path(pattern(try value()), flags: a.hasPrefix("-i") ? CSHIM_FNM_CASEFOLD : 0)
        case "-lname", "-ilname":
            return .lname(pattern(try value()), flags: a == "-ilname" ? CSHIM_FNM_CASEFOLD : 0)
        case "-regex", "-iregex":
            let v = try value()
            var err: UnsafePointer<CChar>? = nil
            let re = v.withCString { cshim_gnu_regex_compile($0, strlen($0), regexType, a == "-iregex" ? 1 : 0, &err) }
            guard let re else {
                throw ToolError.failure("failed to compile regular expression '\(v)': " + (err.map { String(cString: $0) } ?? "invalid"))
            }
            return .regex(FindRegex(re: re))
        case "-regextype":
            let v = try value()
            let names = ["findutils-default", "emacs", "posix-basic", "posix-extended", "posix-egrep", "posix-awk",
                         "grep", "egrep", "awk", "gnu-awk", "ed", "sed", "posix-minimal-basic"]
            guard let k = names.firstIndex(of: v) else {
                throw ToolError.failure("Unknown regular expression type '\(v)'; valid types are 'findutils-default', 'ed', 'emacs', 'gnu-awk', 'grep', 'posix-awk', 'awk', 'posix-basic', 'posix-egrep', 'egrep', 'posix-extended', 'posix-minimal-basic', 'sed'.")
            }
            regexType = Int32(k)
            return .alwaysTrue
        case "-type":
            let v = try value()
            var mask: UInt16 = 0
            for part in v.split(separator: ",", omittingEmptySubsequences: false) {
                let t: UInt8
                switch part {
                case "f": t = DirentType.regular
                case "d": t = DirentType.directory
                case "l": t = DirentType.symlink
                case "b": t = DirentType.block
                case "c": t = DirentType.char
                case "p": t = DirentType.fifo
                case "s": t = DirentType.socket
                default: throw ToolError.usage("unknown argument to -type: \(part)")
                }
                mask |= 1 << UInt16(t)
            }
            return .type(mask)
        case "-size":
            var v = Substring(try value())
            var cmp = 0
            if v.hasPrefix("+") { cmp = 1; v = v.dropFirst() } else if v.hasPrefix("-") { cmp = -1; v = v.dropFirst() }
            var unit: UInt64 = 512
            if let last = v.last, !last.isNumber {
                switch last {
                case "c": unit = 1
                case "w": unit = 2
                case "b": unit = 512
                case "k": unit = 1024
                case "M": unit = 1024 * 1024
                case "G": unit = 1024 * 1024 * 1024
                default: throw ToolError.usage("invalid -size unit '\(last)'")
                }
                v = v.dropLast()
            }
            guard let n = UInt64(v) else { throw ToolError.usage("invalid argument to -size: '\(args[i - 1])'") }
            return .size(cmp: cmp, n: n, unit: unit)
        case "-amin", "-cmin", "-mmin", "-atime", "-ctime", "-mtime":
            let v = try value()
            var s = Substring(v)
            var c: Int8 = 0
            if s.hasPrefix("+") { c = 1; s = s.dropFirst() } else if s.hasPrefix("-") { c = -1; s = s.dropFirst() }
            guard let n = Double(s), n.isFinite, !s.hasPrefix("+"), !s.hasPrefix("-") else {
                throw ToolError.failure("invalid argument `\(v)' to `\(a)'")
            }
            // findutils parse_time / do_parse_xmin: the origin is now (-Xmin) or
            // now - 1 day (-Xtime, plus 1 day - 1 s for -N); the reference is
            // origin - N units, and the comparison is inverted.
            let days = a.hasSuffix("time")
            let unit: Double = days ? 86400 : 60
            var originSec = env.now.0
            if days { originSec -= 86400; if c < 0 { originSec += 86399 } }
            let offset = n * unit
            // Past 4e18 s (Int64 ends at 9.2e18) every file is newer than
            // the reference: GNU find accepts -mtime +1e20 and matches nothing.
            let whole = offset.rounded(.towardZero)
            var sec = originSec - Int64(min(whole, 4e18))
            var ns = env.now.1 - Int((offset - whole) * 1e9)
            if ns < 0 { ns += 1_000_000_000; sec -= 1 }
            return .time(field: a.utf8[a.utf8.index(after: a.utf8.startIndex)], sec: sec, ns: ns, cmp: -c, window: Int64(unit))
        case "-newer", "-anewer", "-cnewer":
            let st = try env.statRef(try value())
            let field = a == "-newer" ? UInt8(ascii: "m") : a.utf8[a.utf8.index(after: a.utf8.startIndex)]
            let (s, ns) = statTime(st, UInt8(ascii: "m"))
            return .newer(field: field, sec: s, ns: ns)
        case _ where a.hasPrefix("-newer") && a.utf8.count == 8:
            let u = Array(a.utf8)
            let x = u[6], y = u[7]
            let ok: (UInt8) -> Bool = { $0 == 0x61 || $0 == 0x63 || $0 == 0x6D }
            // GNU find 4.9 (Debian) has no birth time, and no -newertY.
            let birth = x == 0x42 || y == 0x42
            guard ok(x), ok(y) || y == 0x74 else {
                throw ToolError.failure((birth ? "This system does not provide a way to find the birth time of a file.\nfind: " : "")
                                        + "invalid predicate `\(a)'")
            }
            let v = try value()
            if y == 0x74 {
                // -newerXt DATE: @SECONDS, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (local time).
                guard let t = tarParseDate(v) else { throw ToolError.failure("I cannot figure out how to interpret '\(v)' as a date or time") }
                return .newer(field: x, sec: t.0, ns: Int(t.1))
            }
            let (s, ns) = statTime(try env.statRef(v), y)
            return .newer(field: x, sec: s, ns: ns)
        case "-perm":
            let v = try value()
            var kind: UInt8 = 0
            var s = Substring(v)
            if s.hasPrefix("-") { kind = 1; s = s.dropFirst() } else if s.hasPrefix("/") { kind = 2; s = s.dropFirst() }
            guard let mode = parseFileMode(Array(s.utf8)) else { throw ToolError.failure("invalid mode '\(v)'") }
            return .perm(kind: kind, mode: mode)
        case "-uid": return .num(.uid, try compare(try value()))
        case "-gid": return .num(.gid, try compare(try value()))
        case "-links": return .num(.links, try compare(try value()))
        case "-inum": return .num(.inum, try compare(try value()))
        case "-user", "-group":
            let v = try value()
            if let id = (a == "-user" ? env.userID : env.groupID)(v) {
                return .num(a == "-user" ? .uid : .gid, FindCompare(cmp: 0, n: Int64(id)))
            }
            if !v.isEmpty, v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int64(v) {
                return .num(a == "-user" ? .uid : .gid, FindCompare(cmp: 0, n: n))
            }
            if v.isEmpty { throw ToolError.failure("The argument to \(a) should not be empty") }
            throw ToolError.failure(a == "-user" ? "'\(v)' is not the name of a known user" : "'\(v)' is not the name of an existing group")
        case "-nouser": return .nouser
        case "-nogroup": return .nogroup
        case "-empty": return .empty
        case "-readable": return .access(R_OK)
        case "-writable": return .access(W_OK)
        case "-executable": return .access(X_OK)
        case "-samefile":
            let st = try env.statRef(try value())
            return .samefile(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        case "-prune": return .prune
        case "-quit": return .quit
        case "-delete": depthFirst = true; return .delete
        case "-depth", "-d": depthFirst = true; return .alwaysTrue
        case "-exec", "-execdir", "-ok", "-okdir":
            var cmd: [[UInt8]] = []
            var batch = false
            while true {
                guard i < args.count else { throw ToolError.failure("missing argument to `\(a)'") }
                let w = args[i]; i += 1
                if w == ";" { break }
                if w == "+", let last = cmd.last, last == [0x7B, 0x7D], !a.hasPrefix("-ok") {
                    if cmd.dropLast().contains(where: { $0 == [0x7B, 0x7D] }) {
                        throw ToolError.failure("Only one instance of {} is supported with \(a) ... +")
                    }
                    cmd.removeLast(); batch = true; break
                }
                cmd.append(Array(w.utf8))
            }
            if cmd.isEmpty { throw ToolError.failure("missing argument to `\(a)'") }
            let x = FindExec(args: cmd, batch: batch, inDir: a.hasSuffix("dir"), prompt: a.hasPrefix("-ok"))
            execs.append(x)
            return .exec(x)
        case "-printf":
            let f = try parseFormat(try value())
            warnings += f.warnings
            return .printf(f)
        case "-ls": return .ls
        case "-print": return .print
        case "-print0": return .print0
        case "-true": return .alwaysTrue
        case "-false": return .not(.alwaysTrue)
        case "-maxdepth", "-mindepth":
            let v = try value()
            guard let n = Int(v), n >= 0 else { throw ToolError.usage("invalid argument to \(a): '\(v)'") }
            if a == "-maxdepth" { maxDepth = n } else { minDepth = n }
            return .alwaysTrue
        case "-xdev", "-mount": xdev = true; return .alwaysTrue
        case "--verbose": verbose = true; return .alwaysTrue
        default:
            throw ToolError.usage(a.hasPrefix("-") ? "unknown predicate `\(a)'" : "paths must precede expression: `\(a)'")
        }
    }
}

/// A -printf FORMAT, or GNU's error (exit 1).
func parseFormat(_ v: String) throws(ToolError) -> FindFormat {
    do throws(FindFormatError) { return try FindFormat(parsing: Array(v.utf8)) } catch { throw ToolError.failure(error.message) }
}

/// st_atim/st_ctim/st_mtim by letter (a, c, m).
@inline(__always) func statTime(_ st: Glibc_stat_t, _ field: UInt8) -> (Int64, Int) {
    switch field {
    case 0x61: return (Int64(st.st_atim.tv_sec), Int(st.st_atim.tv_nsec))
    case 0x63: return (Int64(st.st_ctim.tv_sec), Int(st.st_ctim.tv_nsec))
    default: return (Int64(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
    }
}

@Sendable
func runFind(_ ctx: Context, _ args: [String]) throws -> Int32 {
    // Leading options: -H -L -P (last wins), -D and -O are accepted and ignored.
    var follow: UInt8 = 0   // 0 -P, 1 -H, 2 -L
    var k = 0
    while k < args.count {
        let a = args[k]
        if a == "-P" { follow = 0 } else if a == "-H" { follow = 1 } else if a == "-L" { follow = 2 }
        else if a == "-D" { k += 1 } else if a.hasPrefix("-O") && a.utf8.count > 2 {}
        else if a == "--" { k += 1; break } else { break }
        k += 1
    }
    var paths: [String] = []
    while k < args.count, args[k] != "!", args[k] != "(", !(args[k].hasPrefix("-") && args[k].count > 1) {
        paths.append(args[k]); k += 1
    }
    if paths.isEmpty { paths = ["."] }
    let exprArgs = Array(args[k...])
    let verbose = exprArgs.contains("--verbose")
    let session = FileSession(ctx, verbose: verbose)
    // Names for -user/-group: the root of the first path (the container's
    // own passwd and group under /proc/PID/root).
    var firstRoot: ConfinedRoot? = nil
    var rootKnown = false
    func firstNames() -> (users: IDNames, groups: IDNames) {
        if !rootKnown {
            rootKnown = true
            if let o = try? session.opener.open(paths[0], flags: O_PATH) { firstRoot = o.root; o.fd.close() }
        }
        return session.idNames(firstRoot)
    }
    let env = FindParserEnvironment(
        statRef: { ref in
            do {
                // -P (the default): a symbolic link's own times, as GNU find.
                let opened = try session.opener.open(ref, flags: follow == 0 ? O_PATH | O_NOFOLLOW : O_PATH)
                defer { opened.fd.close() }
                return try opened.fd.stat()
            } catch let e as PathError {
                throw ToolError.failure(e.message)
            }
        },
        userID: { firstNames().users.id($0) },
        groupID: { firstNames().groups.id($0) },
        now: currentTime())
    var parser = FindParser(args: exprArgs, env: env)
    var expr = try parser.parse()
    for w in parser.warnings { ctx.note(w) }
    // -iname folds case as fnmatch(3) FNM_CASEFOLD does under the user's
    // LC_CTYPE (GNU find): `Émile` matches `émile` in a UTF-8 locale, only
    // ASCII in C.
    if exprArgs.contains(where: { $0.hasPrefix("-i") }) { _ = setlocale(LC_CTYPE, "") }
    if !expr.hasAction { expr = .and([expr, .print]) }
    let walker = FindWalker(ctx, session, expr, parser, follow: follow, now: env.now)
    for path in paths {
        if walker.stopped { break }
        let flags = follow == 0 ? O_PATH | O_NOFOLLOW : O_PATH
        // A dangling link named with -H/-L is itself listed (GNU).
        var opened = follow == 0 ? nil : try? session.opener.open(path, flags: flags)
        if opened == nil {
            opened = session.open(path, flags: O_PATH | O_NOFOLLOW, gnu: { "'\($0)': \($1.message)" })
        }
        guard var opened else { continue }
        if opened.isProcessRootLink {   // find /proc/PID/root: the container's tree
            opened.fd.close()
            guard let dir = session.open(path, flags: O_PATH) else { continue }
            opened = dir
        }
        walker.names = session.idNames(opened.root)
        walker.walkRoot(path, opened.fd)
        opened.fd.close()
    }
    walker.finish()
    if walker.commandFailed { ctx.exitStatus = ExitCode.failure }
    return ExitCode.success
}

final class FindWalker {
    let ctx: Context
    let session: FileSession
    let out: OutputWriter
    let expr: FindExpr
    let maxDepth: Int, minDepth: Int, xdev: Bool, depthFirst: Bool
    let follow: UInt8
    let execs: [FindExec]
    /// -print writes control characters as `?` on a terminal (GNU find).
    let tty: Bool
    let now: (Int64, Int)
    let reader = DirectoryReader()
    /// The one directory walker (bounded descriptors, no recursion).
    let walk = DirectoryWalk()
    /// Serial numbers of the directories being walked, by depth (-execdir +).
    var dirIDs: [Int] = []
    var names = (users: IDNames(), groups: IDNames())
    var path: [UInt8] = []
    /// Length of the root operand in `path` (for %P and %H).
    var rootLength = 0
    var rootDev: UInt64 = 0
    var quit = false
    var commandFailed = false
    var stopped: Bool { quit || out.isBroken }
    /// Identifies the directory an entry is in (for -execdir ... + batches).
    var dirSerial = 0
    /// The byte limit of one `+` command line: GNU's 128 KiB, less if the environment is huge.
    let argMax: Int
    var printer = FindPrinter()

    init(_ ctx: Context, _ session: FileSession, _ expr: FindExpr, _ p: FindParser, follow: UInt8, now: (Int64, Int)) {
        self.ctx = ctx; self.session = session; out = ctx.out; self.expr = expr
        maxDepth = p.maxDepth; minDepth = p.minDepth; xdev = p.xdev; depthFirst = p.depthFirst
        self.follow = follow; execs = p.execs
        tty = ctx.out.isTerminal
        self.now = now
        var envBytes = 0
        var e = environ
        while let s = e.pointee { envBytes += strlen(s) + 1 + 8; e += 1 }
        let sys = Int(sysconf(Int32(_SC_ARG_MAX)))
        argMax = max(4096, min(131072, (sys > 0 ? sys : 131072 + envBytes + 2048) - envBytes - 2048))
    }

    /// The current entry while evaluating.
    struct Entry {
        var name: UnsafePointer<CChar>
        var type: UInt8
        var dir: FileDescriptor
        var depth: Int
        var dirID: Int
        var st: Glibc_stat_t? = nil
        /// The root operand's own descriptor (name and dir do not locate it).
        var selfFD: FileDescriptor? = nil
        /// -L: the followed object (a link's target), opened confined.
        var target: FileDescriptor? = nil
        /// -L: a link to a directory the walk entered (target closed meanwhile).
        var followed = false
        var prune = false
    }

    func walkRoot(_ display: String, _ fd: FileDescriptor) {
        guard let st = try? fd.stat() else { ctx.warn("\(display): \(Errno.current.message)"); return }
        rootDev = UInt64(st.st_dev)
        path.removeAll(keepingCapacity: true)
        path.append(contentsOf: display.utf8)
        rootLength = path.count
        dirSerial += 1
        let base = baseName(display)
        let type = direntType(st.st_mode)
        var descend = type == DirentType.directory && maxDepth > 0
        base.withCString { cname in
            var e = Entry(name: cname, type: type, dir: fd, depth: 0, dirID: dirSerial, st: st, selfFD: fd)
            if !depthFirst {
                if minDepth == 0 { _ = eval(expr, &e) }
                if e.prune { descend = false }
            }
            if descend && !stopped {
                do throws(Errno) {
                    let dir = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                        try FileDescriptor.open(".", f, relativeTo: fd)
                    }
                    walkTree(dir)
                    path.removeSubrange(rootLength...)
                } catch { out.flush(); ctx.warn("'\(display)': \(error.message)") }
            }
            if depthFirst && minDepth == 0 && !stopped { _ = eval(expr, &e) }
        }
    }

    /// Reads the walk's current directory; false (reported) when it cannot be read.
    func readDirectory() -> Bool {
        do { try walk.read() } catch {
            out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(error.message)")
            return false
        }
        dirSerial += 1
        dirIDs.append(dirSerial)
        return true
    }

    /// Walks the open directory `dir` whose path is in `path` with the one
    /// walker: entries in readdir order, each directory's entries right
    /// after it (or before it with -depth).
    func walkTree(_ dir: FileDescriptor) {
        do { try walk.start(dir, name: path) } catch {
            out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(error.message)"); return
        }
        defer { walk.finish() }
        walk.reopenFollowed = follow == 2 ? { [session] p throws(Errno) in
            do throws(PathError) { return try session.opener.open(String(decoding: p, as: UTF8.self), flags: O_RDONLY | O_DIRECTORY | O_NOATIME).fd } catch { throw error.errno }
        } : nil
        dirIDs.removeAll(keepingCapacity: true)
        if !readDirectory() { dirIDs.append(-1) }
        /// The directories being walked below the start (their entries).
        var parents: [Entry] = []
        while !stopped {
            guard let we = walk.next() else {
                if walk.depth == 0 { return }
                if let lost = walk.leave() {
                    out.flush(); ctx.warn("'\(String(decoding: lost.path, as: UTF8.self))': \(lost.message)")
                }
                dirIDs.removeLast()
                flushExecDir(dirID: dirSerial)
                path.removeAll(keepingCapacity: true)
                path.append(contentsOf: walk.path)
                var e = parents.removeLast()
                e.dir = walk.directory
                // (Not in a lost directory: it is no longer where it was.)
                if depthFirst && e.depth >= minDepth && !stopped && e.dir.rawValue >= 0 {
                    if e.followed { followLink(&e) }
                    _ = eval(expr, &e)
                }
                e.target?.close()
                continue
            }
            path.removeAll(keepingCapacity: true)
            path.append(contentsOf: walk.path)
            let depth = walk.depth + 1
            var e = Entry(name: we.name, type: we.type, dir: walk.directory, depth: depth, dirID: dirIDs[walk.depth])
            if e.type == DirentType.unknown || (xdev && e.type == DirentType.directory) {
                _ = stat(&e)
                if let st = e.st { e.type = direntType(st.st_mode) }
            }
            if follow == 2 && e.type == DirentType.symlink {
                followLink(&e)
                // A link back to a directory being walked: reported and
                // skipped, not evaluated (GNU, fts FTS_DC).
                if e.type == DirentType.directory, let st = e.st,
                   let loop = walk.depth(of: UInt64(st.st_dev), UInt64(st.st_ino)) {
                    out.flush()
                    ctx.warn("File system loop detected; '\(String(decoding: path, as: UTF8.self))' is part of the same file system loop as '\(String(decoding: path[0..<walk.pathLength(at: loop)], as: UTF8.self))'.")
                    e.target?.close()
                    continue
                }
            }
            if !depthFirst && depth >= minDepth { _ = eval(expr, &e) }
            if e.type == DirentType.directory && depth < maxDepth && !e.prune && !stopped {
                var descend = true
                if xdev, let st = stat(&e), UInt64(st.st_dev) != rootDev { descend = false }
                if descend && follow == 2 && stat(&e) == nil { descend = false }
                if descend, let sub = openSubdirectory(&e) {
                    do throws(Errno) {
                        try walk.enter(sub, followed: e.target != nil)
                        // The walk holds the directory: no descriptor per level here.
                        if e.target != nil { e.target!.close(); e.target = nil; e.followed = true }
                        if !readDirectory() { dirIDs.append(-1) }
                        parents.append(e)
                        continue
                    } catch {
                        out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(error.message)")
                    }
                }
            }
            if depthFirst && depth >= minDepth && !stopped { _ = eval(expr, &e) }
            e.target?.close()
        }
    }

    /// -L: a symbolic link is looked at as what it points to, resolved by
    /// the confined resolver (inside the container under /proc/PID/root);
    /// a dangling link stays a link.
    func followLink(_ e: inout Entry) {
        guard let o = try? session.opener.open(String(decoding: path, as: UTF8.self), flags: O_PATH) else { return }
        guard let st = try? o.fd.stat() else { o.fd.close(); return }
        e.target = o.fd
        e.st = st
        e.type = direntType(st.st_mode)
    }

    func openSubdirectory(_ e: inout Entry) -> FileDescriptor? {
        do {
            if let t = e.target {
                return try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                    try FileDescriptor.open(".", f, relativeTo: t)
                }
            }
            let name = e.name, dir = e.dir
            return try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
                try FileDescriptor.open(cPath: name, f, relativeTo: dir)
            }
        } catch {
            if !error.isVanished { out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(error.message)") }
            return nil
        }
    }

    @inline(__always) func stat(_ e: inout Entry) -> Glibc_stat_t? {
        if let st = e.st { return st }
        var st = Glibc_stat_t()
        if fstatat(e.dir.rawValue, e.name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            let err = Errno.current
            if !err.isVanished { out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(err.message)") }
            return nil
        }
        e.st = st
        return st
    }

    /// The target of a symbolic link entry, nil for anything else.
    func linkTarget(_ e: inout Entry) -> [UInt8]? {
        if e.type != DirentType.symlink { return nil }
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buf.withUnsafeMutableBytes { b -> Int? in
            if let fd = e.selfFD { return try? readLink(cPath: "", relativeTo: fd, into: b) }
            return try? readLink(cPath: e.name, relativeTo: e.dir, into: b)
        }
        guard let n else { return nil }
        return Array(buf[0..<n])
    }

    /// -readable, -writable, -executable: access(2) for the real uid, on
    /// the object itself (a link's target resolved inside the container).
    func accessible(_ e: inout Entry, _ mode: Int32) -> Bool {
        var fd = e.target ?? e.selfFD
        var opened: FileDescriptor? = nil
        if fd == nil && e.type == DirentType.symlink {
            guard let o = try? session.opener.open(String(decoding: path, as: UTF8.self), flags: O_PATH) else { return false }
            opened = o.fd; fd = o.fd
        }
        defer { opened?.close() }
        if let fd { return access("/proc/self/fd/\(fd.rawValue)", mode) == 0 }
        return faccessat(e.dir.rawValue, e.name, mode, 0) == 0
    }

    func isEmpty(_ e: inout Entry) -> Bool {
        guard let st = stat(&e) else { return false }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return st.st_size == 0
        case S_IFDIR:
            let base = e.target ?? e.selfFD
            let name = e.name, dir = e.dir
            guard let d = try? openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME | (base == nil ? O_NOFOLLOW : 0), { f throws(Errno) in
                if let base { return try FileDescriptor.open(".", f, relativeTo: base) }
                return try FileDescriptor.open(cPath: name, f, relativeTo: dir)
            }) else {
                out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(Errno.current.message)")
                return false
            }
            defer { d.close() }
            var any = false
            try? reader.forEach(d) { _, _, _, _ in any = true; return false }
            return !any
        default: return false
        }
    }

    func eval(_ x: FindExpr, _ e: inout Entry) -> Bool {
        switch x {
        case .alwaysTrue: return true
        case .print:
            if tty { path.withUnsafeBufferPointer { writeName(out, $0, sanitize: true) } } else { out.write(path) }
            out.byte(ASCII.newline); return true
        case .print0:
            out.write(path); out.byte(0); return true
        case .name(let pattern, let flags):
            return pattern.withUnsafeBufferPointer { fnmatch($0.baseAddress!, e.name, flags) == 0 }
        case .path(let pattern, let flags):
            path.append(0)
            defer { path.removeLast() }
            return pattern.withUnsafeBufferPointer { p in
                path.withUnsafeBufferPointer { fnmatch(p.baseAddress!, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), flags) == 0 }
            }
        case .lname(let pattern, let flags):
            guard var t = linkTarget(&e) else { return false }
            t.append(0)
            return pattern.withUnsafeBufferPointer { p in
                t.withUnsafeBufferPointer { fnmatch(p.baseAddress!, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), flags) == 0 }
            }
        case .regex(let r):
            return path.withUnsafeBufferPointer {
                cshim_gnu_regex_matches_all(r.re, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) == 1
            }
        case .type(let mask):
            return mask & (1 << UInt16(e.type)) != 0
        case .size(let cmp, let n, let unit):
            guard let st = stat(&e) else { return false }
            let size = UInt64(max(0, Int64(st.st_size)))
            let units = size / unit + (size % unit != 0 ? 1 : 0)
            return cmp == 0 ? units == n : (cmp > 0 ? units > n : units < n)
        case .time(let field, let sec, let ns, let cmp, let window):
            guard let st = stat(&e) else { return false }
            let (s, n) = statTime(st, field)
            // findutils pred_timewindow.
            if cmp > 0 { return s > sec || (s == sec && n > ns) }
            if cmp < 0 { return s < sec || (s == sec && n < ns) }
            // Before the reference or a whole second past the window: no
            // match whatever the nanoseconds, and ds * 10^9 below cannot
            // overflow (`-mtime 888888`: 7.7e10 s; the find fuzz target's trap).
            let (ds, o) = s.subtractingReportingOverflow(sec)
            if o || ds < 0 || ds > window { return false }
            let delta = ds * 1_000_000_000 + Int64(n - ns)
            return delta > 0 && delta <= window * 1_000_000_000
        case .newer(let field, let sec, let ns):
            guard let st = stat(&e) else { return false }
            let (s, n) = statTime(st, field)
            return s > sec || (s == sec && n > ns)
        case .perm(let kind, let mode):
            guard let st = stat(&e) else { return false }
            let m = UInt32(st.st_mode) & 0o7777
            switch kind {
            case 0: return m == mode
            case 1: return m & mode == mode
            default: return mode == 0 || m & mode != 0
            }
        case .num(let field, let c):
            guard let st = stat(&e) else { return false }
            switch field {
            case .uid: return c.test(Int64(st.st_uid))
            case .gid: return c.test(Int64(st.st_gid))
            case .links: return c.test(Int64(st.st_nlink))
            case .inum: return c.test(Int64(bitPattern: UInt64(st.st_ino)))
            }
        case .nouser:
            guard let st = stat(&e) else { return false }
            return names.users.name(st.st_uid) == nil
        case .nogroup:
            guard let st = stat(&e) else { return false }
            return names.groups.name(st.st_gid) == nil
        case .empty: return isEmpty(&e)
        case .access(let mode): return accessible(&e, mode)
        case .samefile(let dev, let ino):
            guard let st = stat(&e) else { return false }
            return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
        case .prune:
            if !depthFirst { e.prune = true }
            return true
        case .quit:
            quit = true
            return true
        case .delete: return delete(&e)
        case .exec(let x): return exec(x, &e)
        case .printf(let f):
            printf(f, &e)
            return true
        case .ls:
            listLong(&e)
            return true
        case .not(let a): return !eval(a, &e)
        // -quit stops the evaluation where it is (GNU exits at once).
        case .and(let l):
            for x in l where !eval(x, &e) || quit { return false }
            return true
        case .or(let l):
            for x in l where eval(x, &e) || quit { return !quit }
            return false
        case .list(let l):
            var v = true
            for x in l where !quit { v = eval(x, &e) }
            return v
        }
    }

    func direntType(_ mode: UInt32) -> UInt8 { UInt8((mode & S_IFMT) >> 12) }

    // MARK: -delete

    /// Removes the entry through its parent directory's descriptor (unlinkat):
    /// the name is looked up once more, but only inside the directory find
    /// checked and is reading, and unlinkat never follows a link.
    func delete(_ e: inout Entry) -> Bool {
        let isDir = e.type == DirentType.directory && e.target == nil
        var rc: Int32
        if e.selfFD != nil {
            // A starting point: through its parent, opened by the confined resolver.
            let p = String(decoding: path, as: UTF8.self)
            let base = baseName(p)
            if base == "." || base == ".." || base == "/" { return true }
            guard let parent = try? session.opener.open(dirName(p), flags: O_PATH | O_DIRECTORY) else {
                out.flush(); ctx.warn("cannot delete '\(p)': \(Errno.current.message)"); return false
            }
            rc = unlinkat(parent.fd.rawValue, base, isDir ? AT_REMOVEDIR : 0)
            parent.fd.close()
        } else {
            rc = unlinkat(e.dir.rawValue, e.name, isDir ? AT_REMOVEDIR : 0)
        }
        if rc != 0 {
            let err = Errno.current
            out.flush(); ctx.warn("cannot delete '\(String(decoding: path, as: UTF8.self))': \(err.message)")
            return false
        }
        return true
    }

    // MARK: -exec, -execdir, -ok, -okdir

    /// The directory the entry is in, for -execdir (a new descriptor), and
    /// the `./name` argument.
    func entryDirectory(_ e: inout Entry) -> (FileDescriptor, [UInt8])? {
        if e.selfFD != nil {
            let p = String(decoding: path, as: UTF8.self)
            guard let parent = try? session.opener.open(dirName(p), flags: O_PATH | O_DIRECTORY) else {
                out.flush(); ctx.warn("'\(p)': \(Errno.current.message)"); return nil
            }
            let base = baseName(p)
            return (parent.fd, base == "/" ? Array(base.utf8) : Array(("./" + base).utf8))
        }
        let fd = fcntl(e.dir.rawValue, F_DUPFD_CLOEXEC, 3)
        if fd < 0 { out.flush(); ctx.warn("'\(String(decoding: path, as: UTF8.self))': \(Errno.current.message)"); return nil }
        var arg: [UInt8] = [0x2E, 0x2F]
        arg.append(contentsOf: UnsafeRawBufferPointer(start: e.name, count: strlen(e.name)))
        return (FileDescriptor(rawValue: fd), arg)
    }

    func exec(_ x: FindExec, _ e: inout Entry) -> Bool {
        var dir: FileDescriptor? = nil
        var arg = path
        if x.inDir {
            guard let (d, a) = entryDirectory(&e) else { return false }
            dir = d; arg = a
        }
        if x.batch {
            if x.inDir && x.pendingDirID != e.dirID { flushBatch(x) }
            if !x.pending.isEmpty && x.pendingBytes + arg.count + 1 > argMax { flushBatch(x) }
            if x.inDir {
                if x.pendingDir == nil { x.pendingDir = dir; x.pendingDirID = e.dirID } else { dir?.close() }
            }
            x.pending.append(arg)
            x.pendingBytes += arg.count + 1
            return true
        }
        defer { dir?.close() }
        var argv: [[UInt8]] = []
        argv.reserveCapacity(x.args.count)
        for (k, a) in x.args.enumerated() {
            argv.append(x.hasBraces[k] ? replaceBraces(a, arg) : a)
        }
        if x.prompt && !confirm(x.args[0], path) { return false }
        guard let status = runCommand(argv, dir: dir, stdinNull: x.prompt) else { return false }
        return status == 0
    }

    /// Runs the pending `+` batch of `x`, if any.
    func flushBatch(_ x: FindExec) {
        guard !x.pending.isEmpty else { return }
        let argv = x.args + x.pending
        x.pending.removeAll(keepingCapacity: true)
        x.pendingBytes = x.args.reduce(0) { $0 + $1.count + 1 }
        let dir = x.pendingDir
        x.pendingDir = nil; x.pendingDirID = -1
        defer { dir?.close() }
        let status = runCommand(argv, dir: dir, stdinNull: false)
        if status != 0 { commandFailed = true }
    }

    /// -execdir ... + batches of a directory being left.
    func flushExecDir(dirID: Int) {
        for x in execs where x.batch && x.inDir && x.pendingDirID == dirID { flushBatch(x) }
    }

    /// Runs every pending `+` batch (end of the walk, or -quit).
    func finish() {
        for x in execs where x.batch { flushBatch(x) }
    }

    func replaceBraces(_ a: [UInt8], _ with: [UInt8]) -> [UInt8] {
        var r: [UInt8] = []
        var k = 0
        while k < a.count {
            if k + 1 < a.count && a[k] == 0x7B && a[k + 1] == 0x7D { r += with; k += 2 } else { r.append(a[k]); k += 1 }
        }
        return r
    }

    /// -ok: `< CMD ... FILE > ? ` on stderr (GNU), the answer from standard
    /// input (a line; yes when it starts with y or Y, GNU's C-locale rpmatch).
    func confirm(_ command: [UInt8], _ file: [UInt8]) -> Bool {
        out.flush()
        var prompt: [UInt8] = [0x3C, 0x20]
        prompt += command
        prompt += Array(" ... ".utf8)
        prompt += file
        prompt += Array(" > ? ".utf8)
        ctx.err.write(prompt); ctx.err.flush()
        var first: UInt8 = 0
        var got = false
        var c: UInt8 = 0
        while withUnsafeMutableBytes(of: &c, { try? FileDescriptor.standardInput.read(into: $0) }) == 1 {
            if !got { first = c; got = true }
            if c == ASCII.newline { break }
        }
        return first == 0x79 || first == 0x59
    }

    /// Runs a command and waits for it (no deadline: it is the user's
    /// command, which may legitimately run long). An applet name runs
    /// toolbox's own code in the forked child (no exec); anything else is
    /// execvp'd. nil when it was killed by a signal.
    func runCommand(_ argv: [[UInt8]], dir: FileDescriptor?, stdinNull: Bool) -> Int32? {
        out.flush(); ctx.err.flush()
        // Everything the child needs is built before fork.
        var blob: [UInt8] = []
        var offs: [Int] = []
        for a in argv { offs.append(blob.count); blob += a; blob.append(0) }
        let name = String(decoding: argv[0], as: UTF8.self)
        let applet = name.utf8.contains(0x2F) ? nil : appletIndex(named: name)
        let stringArgs = applet == nil ? [] : argv.dropFirst().map { String(decoding: $0, as: UTF8.self) }
        let errText = Array("find: '\(name)': ".utf8)
        return blob.withUnsafeBufferPointer { b -> Int32? in
            let base = UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self)
            var cargs: [UnsafeMutablePointer<CChar>?] = offs.map { UnsafeMutablePointer(mutating: base + $0) }
            cargs.append(nil)
            let pid = fork()
            if pid < 0 {
                ctx.warn("cannot fork: \(Errno.current.message)")
                return 1
            }
            if pid == 0 {
                if let dir, fchdir(dir.rawValue) != 0 { _exit(1) }
                if stdinNull {
                    let n = open("/dev/null", O_RDONLY)
                    if n >= 0 { dup2(n, 0); if n != 0 { close(n) } }
                }
                if let applet {
                    let o = OutputWriter.standardOutput(), er = OutputWriter.standardError()
                    var code = Toolbox.run(ToolboxApplets.applet(at: applet), stringArgs, out: o, err: er)
                    o.flush()
                    if let f = o.failure { er.write("\(appletNames[applet]): write error: \(f.message)\n"); code = ExitCode.failure }
                    er.flush()
                    _exit(code)
                }
                execvp(base, cargs)
                let msg = errText + Array("\(Errno.current.message)\n".utf8)
                _ = msg.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                _exit(errno == ENOENT ? 127 : 126)
            }
            var st: Int32 = 0
            while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
            if st & 0x7f != 0 {
                out.flush()
                ctx.note("'\(name)' terminated by signal \(st & 0x7f)")
                return nil
            }
            return (st >> 8) & 0xff
        }
    }

    // MARK: -printf, -ls

    func printf(_ f: FindFormat, _ e: inout Entry) {
        printer.render(f, walker: self, &e)
    }

    func listLong(_ e: inout Entry) {
        printer.listLong(walker: self, &e)
    }
}

/// The directory part of a path as dirname(1) gives it.
func dirName(_ p: String) -> String {
    var u = Array(p.utf8)
    while u.count > 1 && u.last == 0x2F { u.removeLast() }
    guard let slash = u.lastIndex(of: 0x2F) else { return "." }
    var end = slash
    while end > 0 && u[end - 1] == 0x2F { end -= 1 }
    return end == 0 ? "/" : String(decoding: u[0..<end], as: UTF8.self)
}
