// $((...)): C integer expressions on 64-bit values, as dash's arith_yacc.c
// (no ++/--, no comma). Precedence climbing with a nesting bound; `&&`, `||`
// and `?:` skip the side effects of the branch not taken.

struct ArithError: Error { let message: String }

struct ArithEvaluator {
    let text: [UInt8]
    var pos = 0
    var depth = 0
    let lookup: (String) throws -> String?
    let assign: (String, Int) throws -> Void
    /// > 0 while evaluating a branch that is not taken.
    var noEval = 0

    init(_ s: String, lookup: @escaping (String) throws -> String?, assign: @escaping (String, Int) throws -> Void) {
        text = Array(s.utf8); self.lookup = lookup; self.assign = assign
    }

    private var source: String { String(decoding: text, as: UTF8.self) }
    private func fail(_ what: String) -> ArithError { ArithError(message: "arithmetic expression: \(what): \"\(source)\"") }

    mutating func evaluate() throws -> Int {
        skipSpace()
        let v = try assignment()
        skipSpace()
        if pos < text.count { throw fail("expecting EOF") }
        return v
    }

    private mutating func skipSpace() {
        while pos < text.count, text[pos] == 32 || text[pos] == 9 || text[pos] == 10 { pos += 1 }
    }

    private enum Op: Int {
        case mul, div, mod, add, sub, shl, shr, lt, le, gt, ge, eq, ne, band, bxor, bor, land, lor
        var precedence: Int {
            switch self {
            case .mul, .div, .mod: return 10
            case .add, .sub: return 9
            case .shl, .shr: return 8
            case .lt, .le, .gt, .ge: return 7
            case .eq, .ne: return 6
            case .band: return 5
            case .bxor: return 4
            case .bor: return 3
            case .land: return 2
            case .lor: return 1
            }
        }
    }

    private func at(_ i: Int) -> UInt8 { pos + i < text.count ? text[pos + i] : 0 }

    /// A binary operator at pos (not an assignment operator), and its length.
    private func peekBinary() -> (Op, Int)? {
        let c = at(0), d = at(1), e = at(2)
        switch c {
        case 42: return d == 61 ? nil : (.mul, 1)
        case 47: return d == 61 ? nil : (.div, 1)
        case 37: return d == 61 ? nil : (.mod, 1)
        case 43: return d == 61 ? nil : (.add, 1)
        case 45: return d == 61 ? nil : (.sub, 1)
        case 60:
            if d == 60 { return e == 61 ? nil : (.shl, 2) }
            return d == 61 ? (.le, 2) : (.lt, 1)
        case 62:
            if d == 62 { return e == 61 ? nil : (.shr, 2) }
            return d == 61 ? (.ge, 2) : (.gt, 1)
        case 61: return d == 61 ? (.eq, 2) : nil
        case 33: return d == 61 ? (.ne, 2) : nil
        case 38:
            if d == 38 { return (.land, 2) }
            return d == 61 ? nil : (.band, 1)
        case 94: return d == 61 ? nil : (.bxor, 1)
        case 124:
            if d == 124 { return (.lor, 2) }
            return d == 61 ? nil : (.bor, 1)
        default: return nil
        }
    }

    private mutating func assignment() throws -> Int {
        depth += 1
        defer { depth -= 1 }
        if depth > maxNesting { throw ArithError(message: "nesting too deep") }
        skipSpace()
        // NAME op= expr
        let start = pos
        if pos < text.count, isNameStart(text[pos]) {
            var end = pos
            while end < text.count, isNameChar(text[end]) { end += 1 }
            let name = String(decoding: text[pos..<end], as: UTF8.self)
            var p = end
            while p < text.count, text[p] == 32 || text[p] == 9 || text[p] == 10 { p += 1 }
            var opLen = 0
            var op: Op? = nil
            let c = p < text.count ? text[p] : 0, d = p + 1 < text.count ? text[p + 1] : 0, e = p + 2 < text.count ? text[p + 2] : 0
            if c == 61 && d != 61 { opLen = 1 }
            else if d == 61 {
                switch c { case 42: op = .mul; case 47: op = .div; case 37: op = .mod; case 43: op = .add; case 45: op = .sub
                case 38: op = .band; case 94: op = .bxor; case 124: op = .bor; default: break }
                if op != nil { opLen = 2 }
            } else if e == 61 && c == d && (c == 60 || c == 62) { op = c == 60 ? .shl : .shr; opLen = 3 }
            if opLen > 0 {
                pos = p + opLen
                let rhs = try assignment()
                var v = rhs
                if let op { v = try apply(op, try variable(name), rhs) }
                if noEval == 0 { try assign(name, v) }
                return v
            }
        }
        pos = start
        return try conditional()
    }

    private mutating func conditional() throws -> Int {
        let c = try binary(1)
        skipSpace()
        guard at(0) == 63 else { return c }
        pos += 1
        if c == 0 { noEval += 1 }
        let a = try assignment()
        if c == 0 { noEval -= 1 }
        skipSpace()
        guard at(0) == 58 else { throw fail("expecting ':'") }
        pos += 1
        if c != 0 { noEval += 1 }
        let b = try assignment()
        if c != 0 { noEval -= 1 }
        return c != 0 ? a : b
    }

    private mutating func binary(_ minPrecedence: Int) throws -> Int {
        var lhs = try unary()
        while true {
            skipSpace()
            guard let (op, len) = peekBinary(), op.precedence >= minPrecedence else { return lhs }
            pos += len
            depth += 1
            if depth > maxNesting { throw ArithError(message: "nesting too deep") }
            defer { depth -= 1 }
            if op == .land || op == .lor {
                let skip = op == .land ? lhs == 0 : lhs != 0
                if skip { noEval += 1 }
                let rhs = try binary(op.precedence + 1)
                if skip { noEval -= 1 }
                lhs = skip ? (op == .lor ? 1 : 0) : (rhs != 0 ? 1 : 0)
                continue
            }
            let rhs = try binary(op.precedence + 1)
            lhs = try apply(op, lhs, rhs)
        }
    }

    private func apply(_ op: Op, _ a: Int, _ b: Int) throws -> Int {
        switch op {
        case .mul: return a &* b
        case .div, .mod:
            if b == 0 { if noEval > 0 { return 0 }; throw fail("division by zero") }
            if a == Int.min && b == -1 { return op == .div ? Int.min : 0 }
            return op == .div ? a / b : a % b
        case .add: return a &+ b
        case .sub: return a &- b
        case .shl: return a << (b & 63)
        case .shr: return a >> (b & 63)
        case .lt: return a < b ? 1 : 0
        case .le: return a <= b ? 1 : 0
        case .gt: return a > b ? 1 : 0
        case .ge: return a >= b ? 1 : 0
        case .eq: return a == b ? 1 : 0
        case .ne: return a != b ? 1 : 0
        case .band: return a & b
        case .bxor: return a ^ b
        case .bor: return a | b
        case .land: return (a != 0 && b != 0) ? 1 : 0
        case .lor: return (a != 0 || b != 0) ? 1 : 0
        }
    }

    private mutating func unary() throws -> Int {
        skipSpace()
        depth += 1
        defer { depth -= 1 }
        if depth > maxNesting { throw ArithError(message: "nesting too deep") }
        let c = at(0)
        switch c {
        case 43: pos += 1; return try unary()
        case 45: pos += 1; return 0 &- (try unary())
        case 33: pos += 1; return try unary() == 0 ? 1 : 0
        case 126: pos += 1; return ~(try unary())
        case 40:
            pos += 1
            let v = try assignment()
            skipSpace()
            guard at(0) == 41 else { throw fail("expecting ')'") }
            pos += 1
            return v
        default: break
        }
        if isDigit(c) {
            var end = pos
            while end < text.count, isNameChar(text[end]) { end += 1 }
            let s = String(decoding: text[pos..<end], as: UTF8.self)
            guard let v = parseShellNumber(s) else { throw fail("expecting EOF") }
            pos = end
            return v
        }
        if isNameStart(c) {
            var end = pos
            while end < text.count, isNameChar(text[end]) { end += 1 }
            let name = String(decoding: text[pos..<end], as: UTF8.self)
            pos = end
            return try variable(name)
        }
        throw fail("expecting primary")
    }

    private func variable(_ name: String) throws -> Int {
        guard let v = try lookup(name), !v.isEmpty else { return 0 }
        if let n = parseShellNumber(v) { return n }
        throw ArithError(message: "Illegal number: \(v)")
    }
}

/// Up to 18 plain decimal digits (a loop counter), read from the string's
/// bytes in place; nil for anything else (signs, blanks, more digits).
@inline(__always)
func plainDecimal(_ s: String) -> Int? {
    var s = s
    return s.withUTF8 { b -> Int? in
        guard !b.isEmpty && b.count <= 18 else { return nil }
        var v = 0
        for c in b {
            if c &- 48 > 9 { return nil }
            v = v &* 10 &+ Int(c &- 48)
        }
        return v
    }
}

/// A C integer constant as strtoimax(s, 0) reads it: decimal, 0octal, 0xhex,
/// optional sign and surrounding blanks; wraps like dash on overflow.
func parseShellNumber(_ s: String) -> Int? {
    // fast path: up to 18 plain decimal digits (a loop counter), no copy;
    // a leading 0 is octal (below)
    if let v = plainDecimal(s), s.utf8.count == 1 || s.utf8.first != 48 { return v }
    var u = Array(s.utf8)[...]
    while let f = u.first, f == 32 || f == 9 || f == 10 { u = u.dropFirst() }
    while let l = u.last, l == 32 || l == 9 || l == 10 { u = u.dropLast() }
    var negative = false
    if let f = u.first, f == 45 || f == 43 { negative = f == 45; u = u.dropFirst() }
    guard !u.isEmpty else { return nil }
    var base = 10
    if u.count > 1 && u.first == 48 {
        if u.count > 2 && (u[u.startIndex + 1] == 120 || u[u.startIndex + 1] == 88) { base = 16; u = u.dropFirst(2) }
        else { base = 8; u = u.dropFirst() }
    }
    var v: UInt64 = 0
    for c in u {
        var d: Int
        if c >= 48 && c <= 57 { d = Int(c) - 48 }
        else if c >= 97 && c <= 102 { d = Int(c) - 87 }
        else if c >= 65 && c <= 70 { d = Int(c) - 55 }
        else { return nil }
        if d >= base { return nil }
        v = v &* UInt64(base) &+ UInt64(d)
    }
    let r = Int(bitPattern: UInt(v))
    return negative ? 0 &- r : r
}
