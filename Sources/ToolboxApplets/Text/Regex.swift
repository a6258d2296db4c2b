import ToolboxCore

/// A POSIX regular expression compiled by glibc's regcomp(3): basic (BRE,
/// with GNU's `\|`, `\+`, `\?`, `\<`, `\>`, `\b`, `\w`) or extended (ERE).
/// Matching goes through regexec(3) with REG_STARTEND, so subjects are
/// byte ranges that may contain NULs and need no terminator.
final class POSIXRegex {
    fileprivate var re = regex_t()

    /// Compiles `pattern`; a syntax error becomes regerror's text (GNU
    /// grep prints the same messages: `Unmatched ( or \(`).
    init(_ pattern: [UInt8], extended: Bool, ignoreCase: Bool, newline: Bool = false) throws(ToolError) {
        var flags: Int32 = 0
        if extended { flags |= REG_EXTENDED }
        if ignoreCase { flags |= REG_ICASE }
        if newline { flags |= REG_NEWLINE }
        var cPattern = pattern.map { CChar(bitPattern: $0) }
        cPattern.append(0)
        let rc = regcomp(&re, cPattern, flags)
        if rc != 0 {
            var msg = [CChar](repeating: 0, count: 256)
            regerror(rc, &re, &msg, msg.count)
            let text = String(decoding: msg.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ToolError(exitCode: ExitCode.usage, message: text)
        }
    }
    deinit { regfree(&re) }

    /// The leftmost-longest match in `subject[from..<count]` as (start, end)
    /// offsets from `subject`; `^` matches only at offset 0 (the subject is
    /// one line), `$` only at `count` unless `notEOL`.
    @inline(__always)
    func firstMatch(_ subject: UnsafePointer<UInt8>, count: Int, from: Int = 0, notEOL: Bool = false) -> (Int, Int)? {
        var m = regmatch_t(rm_so: regoff_t(from), rm_eo: regoff_t(count))
        let flags = CSHIM_REG_STARTEND | (notEOL ? REG_NOTEOL : 0)
        let rc = UnsafeRawPointer(subject).withMemoryRebound(to: CChar.self, capacity: max(count, 1)) { s in
            regexec(&re, s, 1, &m, flags)
        }
        return rc == 0 ? (Int(m.rm_so), Int(m.rm_eo)) : nil
    }
}

extension POSIXRegex {
    /// The number of parenthesised groups.
    var groupCount: Int { Int(re.re_nsub) }

    /// Matches `subject[0..<count]` filling `groups` (its count is how
    /// many are wanted; rm_so -1 for a group that took no part).
    func match(_ subject: UnsafePointer<UInt8>, count: Int, groups: inout [regmatch_t]) -> Bool {
        groups[0] = regmatch_t(rm_so: 0, rm_eo: regoff_t(count))
        let n = groups.count
        return UnsafeRawPointer(subject).withMemoryRebound(to: CChar.self, capacity: max(count, 1)) { s in
            regexec(&re, s, n, &groups, CSHIM_REG_STARTEND)
        } == 0
    }
}

/// Scans a regular expression for the literal text every match must
/// contain, one literal per top-level alternative (`err(or)?|warn` gives
/// "err" and "warn"), so a block can be searched with memmem and only the
/// lines around a hit given to regexec (GNU grep's kwset prefilter).
/// `exact` is true when finding one of the literals already proves a match
/// (everything else in each alternative may match empty and there are no
/// anchors or word assertions), so regexec is skipped for line selection.
struct RequiredLiterals {
    var literals: [[UInt8]] = []
    var exact = true

    /// nil when some alternative has no literal of length >= 1 (or the
    /// syntax is beyond this small scanner: then every line is a candidate).
    init?(_ p: [UInt8], extended: Bool) {
        var branches: [[UInt8]] = []
        // Split at top-level alternation.
        var depth = 0, i = 0, start = 0
        while i < p.count {
            let c = p[i]
            if c == 0x5C /* \ */ {
                guard i + 1 < p.count else { return nil }
                let d = p[i + 1]
                if !extended {
                    if d == 0x28 { depth += 1 } else if d == 0x29 { depth -= 1 }
                    else if d == 0x7C && depth == 0 { branches.append(Array(p[start..<i])); start = i + 2 }
                }
                i += 2; continue
            }
            if c == 0x5B /* [ */ { guard let e = RequiredLiterals.bracketEnd(p, i) else { return nil }; i = e; continue }
            if extended {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                else if c == 0x7C && depth == 0 { branches.append(Array(p[start..<i])); start = i + 1 }
            }
            i += 1
        }
        branches.append(Array(p[start...]))
        for b in branches {
            guard let (lit, ex) = RequiredLiterals.branchLiteral(b, extended: extended), !lit.isEmpty else { return nil }
            literals.append(lit)
            if !ex { exact = false }
        }
    }

    /// Index just past the bracket expression starting at `i`, nil if unterminated.
    static func bracketEnd(_ p: [UInt8], _ start: Int) -> Int? {
        var i = start + 1
        if i < p.count && p[i] == 0x5E { i += 1 }
        if i < p.count && p[i] == 0x5D { i += 1 }
        while i < p.count {
            if p[i] == 0x5B && i + 1 < p.count && (p[i + 1] == 0x3A || p[i + 1] == 0x2E || p[i + 1] == 0x3D) {
                let close = p[i + 1]
                var j = i + 2
                while j + 1 < p.count && !(p[j] == close && p[j + 1] == 0x5D) { j += 1 }
                if j + 1 >= p.count { return nil }
                i = j + 2; continue
            }
            if p[i] == 0x5D { return i + 1 }
            i += 1
        }
        return nil
    }

    /// The longest run of required literal bytes in one alternative, and
    /// whether everything outside it can match empty.
    static func branchLiteral(_ b: [UInt8], extended: Bool) -> ([UInt8], Bool)? {
        // Atoms: (bytes if a plain literal char, else nil), followed by quantifier info.
        var best: [UInt8] = [], bestAtoms = 0..<0
        var run: [UInt8] = [], runStart = 0
        var atoms: [(lit: UInt8?, optional: Bool)] = []
        var i = 0
        var allOptionalOutside = true
        func endRun(at atomIndex: Int) {
            if run.count > best.count { best = run; bestAtoms = runStart..<atomIndex }
            run = []
        }
        while i < b.count {
            var lit: UInt8? = nil
            let c = b[i]
            var atomIsAssertion = false
            if c == 0x5C {
                guard i + 1 < b.count else { return nil }
                let d = b[i + 1]
                i += 2
                if !extended && d == 0x28 {
                    // BRE group: skip to the matching \).
                    var depth = 1
                    while i < b.count && depth > 0 {
                        if b[i] == 0x5C && i + 1 < b.count {
                            if b[i + 1] == 0x28 { depth += 1 } else if b[i + 1] == 0x29 { depth -= 1 }
                            i += 2
                        } else if b[i] == 0x5B, let e = bracketEnd(b, i) { i = e } else { i += 1 }
                    }
                    if depth > 0 { return nil }
                } else if !extended && (d == 0x7B) {
                    return nil // interval on nothing: let regcomp judge
                } else if (d >= 0x30 && d <= 0x39) {
                    atomIsAssertion = true // back-reference: never exact
                } else if d == 0x3C || d == 0x3E || d == 0x62 || d == 0x42 || d == 0x60 || d == 0x27 {
                    atomIsAssertion = true
                } else if d == 0x77 || d == 0x57 || d == 0x73 || d == 0x53 {
                    lit = nil
                } else if !extended && (d == 0x2B || d == 0x3F) {
                    return nil // a quantifier where an atom was expected
                } else {
                    lit = d
                }
            } else if c == 0x5B {
                guard let e = bracketEnd(b, i) else { return nil }
                i = e
            } else if extended && c == 0x28 {
                var depth = 1
                i += 1
                while i < b.count && depth > 0 {
                    if b[i] == 0x5C { i += 2; continue }
                    if b[i] == 0x5B, let e = bracketEnd(b, i) { i = e; continue }
                    if b[i] == 0x28 { depth += 1 } else if b[i] == 0x29 { depth -= 1 }
                    i += 1
                }
                if depth > 0 { return nil }
            } else if c == 0x2E {
                i += 1
            } else if c == 0x5E || c == 0x24 {
                // Anchors (in BRE `^` is literal except first, `$` except last: treat as assertion; not exact).
                atomIsAssertion = true
                i += 1
            } else if extended && (c == 0x2A || c == 0x2B || c == 0x3F || c == 0x7B) {
                if atoms.isEmpty { return nil }
                lit = c; i += 1 // never reached for valid quantifiers (handled below)
            } else if !extended && c == 0x2A && atoms.isEmpty {
                lit = c; i += 1 // a leading * is literal in BRE
            } else {
                lit = c; i += 1
            }
            // Quantifier following the atom.
            var optional = false, repeated = false, counted = false
            if i < b.count {
                let q = b[i]
                if q == 0x2A { optional = true; i += 1 }
                else if extended && q == 0x3F { optional = true; i += 1 }
                else if extended && q == 0x2B { repeated = true; i += 1 }
                else if !extended && q == 0x5C && i + 1 < b.count && (b[i + 1] == 0x3F) { optional = true; i += 2 }
                else if !extended && q == 0x5C && i + 1 < b.count && (b[i + 1] == 0x2B) { repeated = true; i += 2 }
                else if (extended && q == 0x7B) || (!extended && q == 0x5C && i + 1 < b.count && b[i + 1] == 0x7B) {
                    // {m,n}: optional when m == 0; never part of a literal run.
                    var j = extended ? i + 1 : i + 2
                    var m = 0, digits = 0
                    while j < b.count && b[j] >= 0x30 && b[j] <= 0x39 { m = m * 10 + Int(b[j] - 0x30); j += 1; digits += 1 }
                    while j < b.count && b[j] != 0x7D { j += 1 }
                    if j >= b.count { return nil }
                    i = j + 1
                    optional = digits == 0 || m == 0
                    counted = !optional
                }
                while i < b.count && (b[i] == 0x2A || (extended && (b[i] == 0x3F || b[i] == 0x2B))) { optional = optional || b[i] != 0x2B; i += 1 }
            }
            if counted { lit = nil } // a{2} needs "aa": not a one-byte literal
            let index = atoms.count
            atoms.append((lit: atomIsAssertion ? nil : lit, optional: optional))
            if atomIsAssertion { allOptionalOutside = false }
            if let l = lit, !optional, !atomIsAssertion {
                if run.isEmpty { runStart = index }
                run.append(l)
                if repeated { endRun(at: index + 1) }
            } else {
                endRun(at: index)
            }
        }
        endRun(at: atoms.count)
        if best.isEmpty { return ([], false) }
        for (k, a) in atoms.enumerated() where !bestAtoms.contains(k) && !a.optional { allOptionalOutside = false }
        return (best, allOptionalOutside)
    }
}
