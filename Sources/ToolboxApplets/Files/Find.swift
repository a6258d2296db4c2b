import ToolboxCore

let findApplet = Applet(spec: AppletSpec(
    name: "find",
    summary: "Search a directory tree like GNU find; paths through /proc/PID/root are resolved inside that container",
    usage: ["[--verbose] [PATH...] [EXPRESSION]"],
    details: """
    Tests: -name PATTERN, -iname PATTERN, -type [fdlbcps][,...], -size [+-]N[cwbkMG],
    -mtime [+-]N, -newer FILE. Actions: -print, -print0 (-print if none is given).
    Options: -maxdepth N, -mindepth N, -xdev. Operators: ! -not, -a -and, -o -or, ( ).
    The output is in directory traversal order (readdir order), as GNU find prints it
    for ordinary directories. Symbolic links are never followed (GNU find -P).
    Directories are read with O_NOATIME where permitted.
    """,
    options: [verboseOption]), run: runFind)

/// How deep `(` and `!` may nest in a find expression (each level costs
/// stack in the parser and in evaluation).
let maxFindNesting = 1000

/// A parsed find expression.
indirect enum FindExpr {
    case name([CChar], caseFold: Bool)
    case type(UInt16)                  // bit per d_type value
    case size(cmp: Int, n: UInt64, unit: UInt64)
    case mtime(cmp: Int, days: Int64)
    case newer(sec: Int64, ns: Int)
    case print, print0, alwaysTrue
    case not(FindExpr)
    /// A chain `a -a b -a c` is one node with its terms in order (never a
    /// tree as deep as the chain: 20,000 `-o` terms are one `.or`).
    case and([FindExpr])
    case or([FindExpr])

    var hasAction: Bool {
        switch self {
        case .print, .print0: return true
        case .not(let e): return e.hasAction
        case .and(let l), .or(let l): return l.contains { $0.hasAction }
        default: return false
        }
    }
    var needsStat: Bool {
        switch self {
        case .size, .mtime, .newer: return true
        case .not(let e): return e.needsStat
        case .and(let l), .or(let l): return l.contains { $0.needsStat }
        default: return false
        }
    }
}

/// Parses the expression (after the paths) by recursive descent:
/// or := and (-o and)*; and := unary ((-a)? unary)*; unary := ! unary | ( or ) | primary.
/// Chains are loops, a run of `!` is one negation or none, and `(` and `!`
/// may nest `maxFindNesting` deep: past it a usage error, never a stack
/// overflow (50,000 nested `(` crashed with SIGSEGV before).
struct FindParser {
    var args: [String]
    var i = 0
    var nesting = 0
    var maxDepth = Int.max, minDepth = 0, xdev = false, verbose = false
    var newerRefs: [String] = []
    let resolveNewer: (String) throws -> (Int64, Int)

    mutating func parse() throws -> FindExpr {
        if args.isEmpty { return .alwaysTrue }
        let e = try parseOr()
        if i < args.count {
            throw ToolError.usage(args[i] == ")" ? "unexpected ')'" : "unexpected argument '\(args[i])'")
        }
        return e
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
        while i < args.count, args[i] != "-o", args[i] != "-or", args[i] != ")" {
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
            let e = try parseOr()
            guard i < args.count, args[i] == ")" else { throw ToolError.usage("missing ')'") }
            i += 1
            return e
        }
        i += 1
        func value() throws -> String {
            guard i < args.count else { throw ToolError.usage("missing argument to '\(a)'") }
            i += 1
            return args[i - 1]
        }
        switch a {
        case "-name", "-iname":
            return .name(Array(try value().utf8CString), caseFold: a == "-iname")
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
        case "-mtime":
            var v = Substring(try value())
            var cmp = 0
            if v.hasPrefix("+") { cmp = 1; v = v.dropFirst() } else if v.hasPrefix("-") { cmp = -1; v = v.dropFirst() }
            guard let n = Int64(v) else { throw ToolError.usage("invalid argument to -mtime: '\(args[i - 1])'") }
            return .mtime(cmp: cmp, days: n)
        case "-newer":
            let (s, ns) = try resolveNewer(try value())
            return .newer(sec: s, ns: ns)
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
            throw ToolError.usage(a.hasPrefix("-") ? "unknown predicate '\(a)'" : "paths must precede expression: '\(a)'")
        }
    }
}

@Sendable
func runFind(_ ctx: Context, _ args: [String]) throws -> Int32 {
    var paths: [String] = []
    var k = 0
    while k < args.count, args[k] != "!", args[k] != "(", !(args[k].hasPrefix("-") && args[k].count > 1) {
        paths.append(args[k]); k += 1
    }
    if paths.isEmpty { paths = ["."] }
    let exprArgs = Array(args[k...])
    let verbose = exprArgs.contains("--verbose")
    let session = FileSession(ctx, verbose: verbose)
    var parser = FindParser(args: exprArgs) { ref in
        do {
            // -P (the default): a symbolic link's own mtime, as GNU find.
            let opened = try session.opener.open(ref, flags: O_PATH | O_NOFOLLOW)
            defer { opened.fd.close() }
            let st = try opened.fd.stat()
            return (Int64(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
        } catch let e as PathError {
            throw ToolError.failure(e.message)
        }
    }
    var expr = try parser.parse()
    // -iname folds case as fnmatch(3) FNM_CASEFOLD does under the user's
    // LC_CTYPE (GNU find): `Émile` matches `émile` in a UTF-8 locale, only
    // ASCII in C.
    if exprArgs.contains("-iname") { _ = setlocale(LC_CTYPE, "") }
    if !expr.hasAction { expr = .and([expr, .print]) }
    let walker = FindWalker(ctx, expr, maxDepth: parser.maxDepth, minDepth: parser.minDepth, xdev: parser.xdev)
    for path in paths {
        if ctx.out.isBroken { break }
        guard var opened = session.open(path, flags: O_PATH | O_NOFOLLOW, gnu: { "'\($0)': \($1.message)" }) else { continue }
        if opened.isProcessRootLink {   // find /proc/PID/root: the container's tree
            opened.fd.close()
            guard let dir = session.open(path, flags: O_PATH) else { continue }
            opened = dir
        }
        walker.walkRoot(path, opened.fd)
        opened.fd.close()
    }
    return ExitCode.success
}

final class FindWalker {
    let ctx: Context
    let out: OutputWriter
    let expr: FindExpr
    let maxDepth: Int, minDepth: Int, xdev: Bool
    let needStat: Bool
    /// -print writes control characters as `?` on a terminal (GNU find).
    let tty: Bool
    let nowSec: Int64, nowNs: Int
    let reader = DirectoryReader()
    var path: [UInt8] = []
    var rootDev: UInt64 = 0
    /// Per-depth name arenas (NUL-terminated names) and d_types, reused.
    var arenas: [[UInt8]] = []
    var types: [[UInt8]] = []
    var offsets: [[Int32]] = []

    init(_ ctx: Context, _ expr: FindExpr, maxDepth: Int, minDepth: Int, xdev: Bool) {
        self.ctx = ctx; out = ctx.out; self.expr = expr
        self.maxDepth = maxDepth; self.minDepth = minDepth; self.xdev = xdev
        needStat = expr.needsStat
        tty = ctx.out.isTerminal
        (nowSec, nowNs) = currentTime()
    }

    /// The current entry while evaluating.
    struct Entry {
        var name: UnsafePointer<CChar>
        var type: UInt8
        var dir: FileDescriptor
        var st: Glibc_stat_t? = nil
    }

    func walkRoot(_ display: String, _ fd: FileDescriptor) {
        guard let st = try? fd.stat() else { ctx.warn("\(display): \(Errno.current.message)"); return }
        rootDev = UInt64(st.st_dev)
        path.removeAll(keepingCapacity: true)
        path.append(contentsOf: display.utf8)
        let base = baseNameForMatch(display)
        let type = direntType(st.st_mode)
        base.withCString { cname in
            var e = Entry(name: cname, type: type, dir: fd, st: st)
            if minDepth == 0 { _ = eval(expr, &e) }
        }
        guard type == DirentType.directory, maxDepth > 0 else { return }
        let dir: FileDescriptor
        do {
            dir = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOATIME) { f throws(Errno) in
                try FileDescriptor.open(".", f, relativeTo: fd)
            }
        } catch { out.flush(); ctx.warn("\(display): \(error.message)"); return }
        walkDirectory(dir, depth: 1)
        dir.close()
    }

    /// Walks the open directory `dir` whose path is in `path`; its entries are at `depth`.
    func walkDirectory(_ dir: FileDescriptor, depth: Int) {
        while arenas.count < depth { arenas.append([]); types.append([]); offsets.append([]) }
        let level = depth - 1
        arenas[level].removeAll(keepingCapacity: true)
        types[level].removeAll(keepingCapacity: true)
        offsets[level].removeAll(keepingCapacity: true)
        do {
            try reader.forEach(dir) { name, _, type, _ in
                offsets[level].append(Int32(arenas[level].count))
                arenas[level].append(contentsOf: name)
                arenas[level].append(0)
                types[level].append(type)
                return true
            }
        } catch {
            out.flush(); ctx.warn("\(String(decoding: path, as: UTF8.self)): \(error.message)")
            return
        }
        // Take the level's buffers out so recursion can reuse deeper levels freely.
        let arena = arenas[level], tys = types[level], offs = offsets[level]
        let pathLen = path.count
        arena.withUnsafeBufferPointer { a in
            let basePtr = UnsafeRawPointer(a.baseAddress!).assumingMemoryBound(to: CChar.self)
            for j in 0..<offs.count {
                if out.isBroken { return }
                let off = Int(offs[j])
                let cname = basePtr + off
                let len = strlen(cname)
                if path.last != 0x2F { path.append(0x2F) }
                path.append(contentsOf: UnsafeRawBufferPointer(start: cname, count: len))
                var e = Entry(name: cname, type: tys[j], dir: dir)
                if e.type == DirentType.unknown || (xdev && e.type == DirentType.directory) {
                    _ = stat(&e)
                    if let st = e.st { e.type = direntType(st.st_mode) }
                }
                if depth >= minDepth { _ = eval(expr, &e) }
                if e.type == DirentType.directory && depth < maxDepth {
                    var descend = true
                    if xdev, let st = e.st, UInt64(st.st_dev) != rootDev { descend = false }
                    if descend && depth >= maxDirectoryNesting {
                        out.flush(); ctx.warn(nestingTooDeep(String(decoding: path, as: UTF8.self))); descend = false
                    }
                    if descend {
                        let sub: FileDescriptor? = openSubdirectory(cname, dir)
                        if let sub {
                            walkDirectory(sub, depth: depth + 1)
                            sub.close()
                        }
                    }
                }
                path.removeSubrange(pathLen...)
            }
        }
    }

    func openSubdirectory(_ cname: UnsafePointer<CChar>, _ dir: FileDescriptor) -> FileDescriptor? {
        do {
            return try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
                try FileDescriptor.open(cPath: cname, f, relativeTo: dir)
            }
        } catch {
            if !error.isVanished { out.flush(); ctx.warn("\(String(decoding: path, as: UTF8.self)): \(error.message)") }
            return nil
        }
    }

    @inline(__always) func stat(_ e: inout Entry) -> Glibc_stat_t? {
        if let st = e.st { return st }
        var st = Glibc_stat_t()
        if fstatat(e.dir.rawValue, e.name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            let err = Errno.current
            if !err.isVanished { out.flush(); ctx.warn("\(String(decoding: path, as: UTF8.self)): \(err.message)") }
            return nil
        }
        e.st = st
        return st
    }

    func eval(_ x: FindExpr, _ e: inout Entry) -> Bool {
        switch x {
        case .alwaysTrue: return true
        case .print:
            if tty { path.withUnsafeBufferPointer { writeName(out, $0, sanitize: true) } } else { out.write(path) }
            out.byte(ASCII.newline); return true
        case .print0:
            out.write(path); out.byte(0); return true
        case .name(let pattern, let fold):
            return pattern.withUnsafeBufferPointer { fnmatch($0.baseAddress!, e.name, fold ? CSHIM_FNM_CASEFOLD : 0) == 0 }
        case .type(let mask):
            return mask & (1 << UInt16(e.type)) != 0
        case .size(let cmp, let n, let unit):
            guard let st = stat(&e) else { return false }
            let size = UInt64(max(0, Int64(st.st_size)))
            let units = size / unit + (size % unit != 0 ? 1 : 0)
            return cmp == 0 ? units == n : (cmp > 0 ? units > n : units < n)
        case .mtime(let cmp, let days):
            guard let st = stat(&e) else { return false }
            // Whole days since the modification, rounded down (GNU find).
            let (diffSec, o1) = nowSec.subtractingReportingOverflow(Int64(st.st_mtim.tv_sec))
            let d: Int64
            if !o1 && diffSec.magnitude < 1 << 32 {
                let diffNs = diffSec * 1_000_000_000 + Int64(nowNs - Int(st.st_mtim.tv_nsec))
                d = diffNs >= 0 ? diffNs / 86_400_000_000_000 : (diffNs - 86_399_999_999_999) / 86_400_000_000_000
            } else {
                // Centuries away (or overflowing): whole seconds are exact enough.
                d = o1 ? (Int64(st.st_mtim.tv_sec) > 0 ? Int64.min : Int64.max) : (diffSec >= 0 ? diffSec / 86400 : (diffSec - 86399) / 86400)
            }
            return cmp == 0 ? d == days : (cmp > 0 ? d > days : d < days)
        case .newer(let sec, let ns):
            guard let st = stat(&e) else { return false }
            let s = Int64(st.st_mtim.tv_sec)
            return s > sec || (s == sec && Int(st.st_mtim.tv_nsec) > ns)
        case .not(let a): return !eval(a, &e)
        case .and(let l):
            for x in l where !eval(x, &e) { return false }
            return true
        case .or(let l):
            for x in l where eval(x, &e) { return true }
            return false
        }
    }

    func direntType(_ mode: UInt32) -> UInt8 { UInt8((mode & S_IFMT) >> 12) }

    /// The last component of a root operand for -name ("dir/" -> "dir", "/" -> "/").
    func baseNameForMatch(_ p: String) -> String { baseName(p) }
}
