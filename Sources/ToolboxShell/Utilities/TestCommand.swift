import ToolboxCore

// test / [ (POSIX test(1)): the 0-4 argument rules of POSIX first, then a
// precedence parser for longer expressions (-o below -a below !), bounded
// in depth like every parser here.

struct TestFailure: Error { let message: String }

// Operator sets as switches: no hash per lookup (`[` runs in every loop test).
private func isUnaryOp(_ s: String) -> Bool {
    switch s {
    case "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-L", "-k", "-n", "-p", "-r", "-s", "-S", "-t", "-u", "-w", "-x", "-z", "-O", "-G": return true
    default: return false
    }
}
private func isBinaryOp(_ s: String) -> Bool {
    switch s {
    case "=", "!=", "==", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef", "<", ">": return true
    default: return false
    }
}

public func testCommand(_ args: [String], bracket: Bool, warn: (String) -> Void, dialect: UtilityDialect) -> Int32 {
    testCommand(args[...], bracket: bracket, warn: warn, dialect: dialect)
}

/// The arguments as a slice (the shell passes argv without its `[`): one array copy at most.
func testCommand(_ args: ArraySlice<String>, bracket: Bool, warn: (String) -> Void, dialect: UtilityDialect) -> Int32 {
    var a = args
    if bracket {
        guard a.last == "]" else { warn(dialect == .gnu ? "missing ']'" : "missing ]"); return 2 }
        a = a.dropLast()
    }
    var t = TestEvaluator(args: Array(a), dialect: dialect)
    do {
        return try t.run() ? 0 : 1
    } catch let e as TestFailure {
        warn(e.message); return 2
    } catch { return 2 }
}

struct TestEvaluator {
    let args: [String]
    let dialect: UtilityDialect
    var pos = 0
    var depth = 0

    init(args: [String], dialect: UtilityDialect) { self.args = args; self.dialect = dialect }

    func q(_ s: String) -> String { dialect == .gnu ? "'\(s)'" : s }

    mutating func run() throws -> Bool {
        switch args.count {
        case 0: return false
        case 1: return !args[0].isEmpty
        case 2:
            if args[0] == "!" { return args[1].isEmpty }
            if isUnaryOp(args[0]) { return try unary(args[0], args[1]) }
            if dialect == .dash && isBinaryOp(args[1]) { throw TestFailure(message: "\(args[1]): argument expected") }
            throw TestFailure(message: dialect == .gnu ? "\(q(args[0])): unary operator expected" : "\(args[0]): unexpected operator")
        case 3:
            if isBinaryOp(args[1]) { return try binary(args[0], args[1], args[2]) }
            if args[1] == "-a" { return !args[0].isEmpty && !args[2].isEmpty }
            if args[1] == "-o" { return !args[0].isEmpty || !args[2].isEmpty }
            if args[0] == "!" { var s = TestEvaluator(args: Array(args[1...]), dialect: dialect); return try !s.run() }
            if args[0] == "(" && args[2] == ")" { return !args[1].isEmpty }
            throw TestFailure(message: dialect == .gnu ? "\(q(args[1])): binary operator expected" : "\(args[1]): unexpected operator")
        case 4:
            if args[0] == "!" { var s = TestEvaluator(args: Array(args[1...]), dialect: dialect); return try !s.run() }
            if args[0] == "(" && args[3] == ")" { var s = TestEvaluator(args: Array(args[1..<3]), dialect: dialect); return try s.run() }
            fallthrough
        default:
            let v = try orExpr()
            if pos < args.count {
                throw TestFailure(message: dialect == .gnu ? "extra argument \(q(args[pos]))" : "\(args[pos]): unexpected operator")
            }
            return v
        }
    }

    private mutating func orExpr() throws -> Bool {
        var v = try andExpr()
        while pos < args.count && args[pos] == "-o" { pos += 1; let r = try andExpr(); v = v || r }
        return v
    }
    private mutating func andExpr() throws -> Bool {
        var v = try notExpr()
        while pos < args.count && args[pos] == "-a" { pos += 1; let r = try notExpr(); v = v && r }
        return v
    }
    private mutating func notExpr() throws -> Bool {
        depth += 1
        defer { depth -= 1 }
        if depth > maxNesting { throw TestFailure(message: "expression nested too deeply") }
        if pos < args.count && args[pos] == "!" { pos += 1; return try !notExpr() }
        return try primary()
    }
    private mutating func primary() throws -> Bool {
        guard pos < args.count else {
            throw TestFailure(message: dialect == .gnu ? "missing argument after \(q(args.last ?? ""))" : "argument expected")
        }
        let a = args[pos]
        if a == "(" {
            pos += 1
            let v = try orExpr()
            guard pos < args.count, args[pos] == ")" else {
                throw TestFailure(message: dialect == .gnu ? "')' expected" : "closing paren expected")
            }
            pos += 1
            return v
        }
        if pos + 2 < args.count && isBinaryOp(args[pos + 1]) {
            let v = try binary(a, args[pos + 1], args[pos + 2]); pos += 3; return v
        }
        if isUnaryOp(a) {
            guard pos + 1 < args.count else {
                throw TestFailure(message: dialect == .gnu ? "missing argument after \(q(a))" : "\(a): argument expected")
            }
            let v = try unary(a, args[pos + 1]); pos += 2; return v
        }
        if pos + 1 < args.count && isBinaryOp(args[pos + 1]) {
            throw TestFailure(message: dialect == .gnu ? "missing argument after \(q(args[pos + 1]))" : "\(args[pos + 1]): argument expected")
        }
        pos += 1
        return !a.isEmpty
    }

    func number(_ s: String) throws -> Int {
        if let v = plainDecimal(s) { return v }
        var t = Substring(s)
        while t.first == " " || t.first == "\t" { t = t.dropFirst() }
        if dialect == .gnu { while t.last == " " || t.last == "\t" { t = t.dropLast() } }
        var digits = t
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy(isDigit), let v = Int(t.first == "+" ? t.dropFirst() : t) else {
            throw TestFailure(message: dialect == .gnu ? "invalid integer \(q(s))" : "Illegal number: \(s)")
        }
        return v
    }

    func unary(_ op: String, _ x: String) throws -> Bool {
        switch op {
        case "-n": return !x.isEmpty
        case "-z": return x.isEmpty
        case "-t":
            let fd = try number(x)
            return Terminal.isTerminal(Int32(truncatingIfNeeded: fd))
        case "-r": return access(x, R_OK) == 0
        case "-w": return access(x, W_OK) == 0
        case "-x": return access(x, X_OK) == 0
        default: break
        }
        var st = stat()
        let ok = (op == "-h" || op == "-L") ? lstat(x, &st) == 0 : stat(x, &st) == 0
        guard ok else { return false }
        let type = st.st_mode & S_IFMT
        switch op {
        case "-e": return true
        case "-f": return type == S_IFREG
        case "-d": return type == S_IFDIR
        case "-b": return type == S_IFBLK
        case "-c": return type == S_IFCHR
        case "-p": return type == S_IFIFO
        case "-S": return type == S_IFSOCK
        case "-h", "-L": return type == S_IFLNK
        case "-s": return st.st_size > 0
        case "-g": return st.st_mode & S_ISGID != 0
        case "-u": return st.st_mode & S_ISUID != 0
        case "-k": return st.st_mode & S_ISVTX != 0
        case "-O": return st.st_uid == geteuid()
        case "-G": return st.st_gid == getegid()
        default: return false
        }
    }

    func binary(_ l: String, _ op: String, _ r: String) throws -> Bool {
        // The numeric comparisons of a loop's test, by bytes: a String
        // switch compares the operator with each case in turn.
        let u = op.utf8
        if u.count == 3 && u.first == 45 /* - */ {
            let b1 = u[u.index(after: u.startIndex)], b2 = u[u.index(u.startIndex, offsetBy: 2)]
            switch (b1, b2) {
            case (0x65, 0x71): return try number(l) == number(r)   // -eq
            case (0x6e, 0x65): return try number(l) != number(r)   // -ne
            case (0x67, 0x74): return try number(l) > number(r)    // -gt
            case (0x67, 0x65): return try number(l) >= number(r)   // -ge
            case (0x6c, 0x74): return try number(l) < number(r)    // -lt
            case (0x6c, 0x65): return try number(l) <= number(r)   // -le
            default: break
            }
        }
        switch op {
        case "=", "==": return l == r
        case "!=": return l != r
        case "<": return Array(l.utf8).lexicographicallyPrecedes(Array(r.utf8))
        case ">": return Array(r.utf8).lexicographicallyPrecedes(Array(l.utf8))
        case "-eq": return try number(l) == number(r)
        case "-ne": return try number(l) != number(r)
        case "-gt": return try number(l) > number(r)
        case "-ge": return try number(l) >= number(r)
        case "-lt": return try number(l) < number(r)
        case "-le": return try number(l) <= number(r)
        case "-nt", "-ot":
            var a = stat(), b = stat()
            let ha = stat(l, &a) == 0, hb = stat(r, &b) == 0
            if op == "-nt" {
                if !ha { return false }; if !hb { return true }
                return (a.st_mtim.tv_sec, a.st_mtim.tv_nsec) > (b.st_mtim.tv_sec, b.st_mtim.tv_nsec)
            }
            if !hb { return false }; if !ha { return true }
            return (a.st_mtim.tv_sec, a.st_mtim.tv_nsec) < (b.st_mtim.tv_sec, b.st_mtim.tv_nsec)
        case "-ef":
            var a = stat(), b = stat()
            guard stat(l, &a) == 0, stat(r, &b) == 0 else { return false }
            return a.st_dev == b.st_dev && a.st_ino == b.st_ino
        default: return false
        }
    }
}
