import ToolboxCore

/// How grep finds matching lines in a block of input (GNU grep's approach,
/// Mike Haertel's "why GNU grep is fast"): search the whole block for a
/// candidate (memmem for a fixed string or for the literal a regular
/// expression requires; one REG_NEWLINE regexec over the block otherwise),
/// then find the line boundaries around the hit and, unless the hit
/// already proves the match, run regexec on that one line.
final class GrepMatcher {
    enum Mode { case fixed, regex }
    let mode: Mode
    /// -F patterns (case-sensitive; -F -i is compiled as an escaped regex).
    let fixed: [[UInt8]]
    /// One regex per pattern (patterns with back-references), or one for all.
    let regexes: [POSIXRegex]
    /// The same, compiled with REG_NEWLINE to find candidates in a block of
    /// many lines (nil with -z or when the prefilter uses literals).
    let blockRegex: POSIXRegex?
    let literals: [[UInt8]]
    let word: Bool, wholeLine: Bool
    /// True when a candidate hit is itself a match of its line.
    let candidateIsMatch: Bool
    /// No patterns at all (-f /dev/null): nothing matches.
    let matchesNothing: Bool
    /// An empty pattern matches every line.
    let matchesEverything: Bool

    // The next hit of each literal in the current region (memmem is run
    // once per literal over the region, not once per candidate).
    private var nextHit: [Int] = []

    init(patterns: [[UInt8]], extended: Bool, fixedStrings: Bool, ignoreCase: Bool,
         word: Bool, wholeLine: Bool, eol: UInt8) throws(ToolError) {
        self.word = word; self.wholeLine = wholeLine
        matchesNothing = patterns.isEmpty
        matchesEverything = patterns.contains { $0.isEmpty } && !word && !wholeLine
        if fixedStrings && !ignoreCase {
            mode = .fixed
            fixed = patterns
            regexes = []; blockRegex = nil
            let anyEmpty = patterns.contains { $0.isEmpty }
            literals = anyEmpty ? [] : patterns
            candidateIsMatch = !word && !wholeLine && !anyEmpty
            return
        }
        mode = .regex
        fixed = []
        var sources = patterns
        var ext = extended
        if fixedStrings {
            // -F -i: each string as a BRE with every special byte escaped.
            ext = false
            sources = patterns.map { p in
                var r: [UInt8] = []
                for c in p {
                    if c == 0x5C || c == 0x2E || c == 0x5B || c == 0x5D || c == 0x2A || c == 0x5E || c == 0x24 { r.append(0x5C) }
                    r.append(c)
                }
                return r
            }
        }
        // One regex for all patterns, unless one uses back-references
        // (their numbers would shift when the patterns are grouped).
        let hasBackref = sources.contains { p in
            var i = 0
            while i + 1 < p.count {
                if p[i] == 0x5C { if p[i + 1] >= 0x31 && p[i + 1] <= 0x39 { return true }; i += 2 } else { i += 1 }
            }
            return false
        }
        var compiled: [POSIXRegex] = []
        var combined: [UInt8]? = nil
        if sources.count == 1 {
            combined = sources[0]
        } else if !hasBackref && !sources.isEmpty {
            // Validate each alone first so an error names the same problem GNU reports.
            for s in sources { _ = try POSIXRegex(s, extended: ext, ignoreCase: ignoreCase) }
            var c: [UInt8] = []
            for (k, s) in sources.enumerated() {
                if k > 0 { c += ext ? [0x7C] : [0x5C, 0x7C] }
                c += ext ? [0x28] : [0x5C, 0x28]
                c += s
                c += ext ? [0x29] : [0x5C, 0x29]
            }
            combined = c
        }
        if let combined {
            compiled = [try POSIXRegex(combined, extended: ext, ignoreCase: ignoreCase)]
        } else {
            for s in sources { compiled.append(try POSIXRegex(s, extended: ext, ignoreCase: ignoreCase)) }
        }
        regexes = compiled
        var lits: RequiredLiterals? = nil
        if !ignoreCase, let combined { lits = RequiredLiterals(combined, extended: ext) }
        if let lits {
            literals = lits.literals
            candidateIsMatch = lits.exact && !word && !wholeLine
            blockRegex = nil
        } else {
            literals = []
            candidateIsMatch = false
            if eol == ASCII.newline, let combined, !matchesEverything {
                blockRegex = try POSIXRegex(combined, extended: ext, ignoreCase: ignoreCase, newline: true)
            } else {
                blockRegex = nil
            }
        }
    }

    /// Forget cached literal hits (call before scanning a new region).
    func beginRegion() {
        nextHit = [Int](repeating: -1, count: literals.count)
    }

    /// An offset in `p[from..<end]` inside a line that may match, or nil
    /// when no line in the range can match. `from` is a line start.
    @inline(__always)
    func nextCandidate(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        if matchesNothing { return nil }
        if matchesEverything { return from < end ? from : nil }
        if !literals.isEmpty {
            if literals.count == 1 {
                let l = literals[0]
                return l.withUnsafeBufferPointer { n -> Int? in
                    guard let hit = cshim_memmem(p + from, end - from, n.baseAddress!, n.count) else { return nil }
                    return hit - p
                }
            }
            var best = Int.max
            for k in 0..<literals.count {
                var h = nextHit[k]
                if h == Int.max { continue }
                if h < from {
                    h = literals[k].withUnsafeBufferPointer { n -> Int in
                        guard let hit = cshim_memmem(p + from, end - from, n.baseAddress!, n.count) else { return Int.max }
                        return hit - p
                    }
                    nextHit[k] = h
                }
                if h < best { best = h }
            }
            return best == Int.max ? nil : best
        }
        if let blockRegex {
            guard let m = blockRegex.firstMatch(p, count: end, from: from), m.0 < end else { return nil }
            return m.0
        }
        return from < end ? from : nil
    }

    /// Whether the line `p[0..<n]` has a match.
    func lineMatches(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if matchesNothing { return false }
        if !word && !wholeLine {
            if mode == .fixed {
                for f in fixed {
                    if f.isEmpty { return true }
                    if f.withUnsafeBufferPointer({ cshim_memmem(p, n, $0.baseAddress!, $0.count) }) != nil { return true }
                }
                return false
            }
            for r in regexes where r.firstMatch(p, count: n) != nil { return true }
            return false
        }
        return nextMatch(p, n, from: 0) != nil
    }

    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    /// The leftmost (then longest) match in line `p[0..<n]` starting at or
    /// after `from`, honouring -w and -x.
    func nextMatch(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> (Int, Int)? {
        if matchesNothing { return nil }
        if wholeLine {
            if from > 0 { return nil }
            if mode == .fixed {
                for f in fixed where f.count == n && (n == 0 || f.withUnsafeBufferPointer { memcmp(p, $0.baseAddress!, n) == 0 }) { return (0, n) }
                return nil
            }
            for r in regexes { if let m = r.firstMatch(p, count: n), m.0 == 0, m.1 == n { return m } }
            return nil
        }
        var start = from
        while start <= n {
            guard let (s, e) = firstAny(p, n, from: start) else { return nil }
            if !word { return (s, e) }
            if wordBounded(p, n, s, e) { return (s, e) }
            // GNU: try shorter matches at the same start, then move on.
            if mode == .regex && e > s {
                var end = e - 1
                while end > s {
                    var found: (Int, Int)? = nil
                    for r in regexes {
                        if let m = r.firstMatch(p, count: end, from: s, notEOL: end < n), m.0 == s {
                            if found == nil || m.1 > found!.1 { found = m }
                        }
                    }
                    guard let f = found else { break }
                    if wordBounded(p, n, f.0, f.1) { return f }
                    end = f.1 - 1
                }
            } else if mode == .fixed {
                // Another, shorter pattern at the same start.
                var best: (Int, Int)? = nil
                for f in fixed where s + f.count <= n && f.count < e - s &&
                    f.withUnsafeBufferPointer({ memcmp(p + s, $0.baseAddress!, $0.count) == 0 }) {
                    if wordBounded(p, n, s, s + f.count), best == nil || f.count > best!.1 - s { best = (s, s + f.count) }
                }
                if let best { return best }
            }
            start = s + 1
        }
        return nil
    }

    private func wordBounded(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: Int, _ e: Int) -> Bool {
        (s == 0 || !GrepMatcher.isWordByte(p[s - 1])) && (e == n || !GrepMatcher.isWordByte(p[e]))
    }

    /// Leftmost-longest match of any pattern at or after `from`.
    private func firstAny(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> (Int, Int)? {
        var best: (Int, Int)? = nil
        if mode == .fixed {
            for f in fixed {
                let s: Int
                if f.isEmpty { s = from } else {
                    guard from < n, let hit = f.withUnsafeBufferPointer({ cshim_memmem(p + from, n - from, $0.baseAddress!, $0.count) }) else { continue }
                    s = hit - p
                }
                if best == nil || s < best!.0 || (s == best!.0 && s + f.count > best!.1) { best = (s, s + f.count) }
            }
            return best
        }
        for r in regexes {
            guard let m = r.firstMatch(p, count: n, from: from) else { continue }
            if best == nil || m.0 < best!.0 || (m.0 == best!.0 && m.1 > best!.1) { best = m }
        }
        return best
    }
}
