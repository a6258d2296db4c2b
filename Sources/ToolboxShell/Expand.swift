import ToolboxCore

// Word expansion in POSIX order (dash's expand.c): tilde, parameter, command
// and arithmetic expansion left to right; then field splitting of the
// unquoted results by IFS; then pathname expansion; then quote removal.
// Fields are built byte by byte with a parallel glob pattern in which quoted
// characters are escaped, so quoting survives until globbing.

private let globSpecial: Set<UInt8> = [42, 63, 91, 92, 93]   // * ? [ \ ]

struct FieldBuilder {
    var fields: [String] = []
    var patterns: [String?] = []      // glob pattern when the field has unquoted * ? [
    var value: [UInt8] = []
    var pattern: [UInt8] = []
    var hasGlob = false
    var started = false
    var pendingBreak = false
    /// IFS as bytes, fetched on the first split (most words never split).
    private var ifsBytes: [UInt8]? = nil
    private let ifsSource: () -> String
    let split: Bool
    var ifs: [UInt8] {
        mutating get {
            if let b = ifsBytes { return b }
            let b = Array(ifsSource().utf8); ifsBytes = b; return b
        }
    }

    init(ifs: @escaping @autoclosure () -> String, split: Bool) { self.ifsSource = ifs; self.split = split }

    mutating func endField() {
        fields.append(String(decoding: value, as: UTF8.self))
        patterns.append(hasGlob ? String(decoding: pattern, as: UTF8.self) : nil)
        value.removeAll(keepingCapacity: true); pattern.removeAll(keepingCapacity: true)
        hasGlob = false; started = false; pendingBreak = false
    }

    mutating func breakIfPending() {
        if pendingBreak { endField() }
    }

    /// Text that is not split: literal word text (glob-active unless quoted) or quoted expansions.
    mutating func add(_ s: String, quoted: Bool) {
        breakIfPending()
        started = true
        for c in s.utf8 { addByte(c, quoted: quoted) }
    }

    @inline(__always) mutating func addByte(_ c: UInt8, quoted: Bool) {
        value.append(c)
        if quoted {
            if globSpecial.contains(c) { pattern.append(92) }
            pattern.append(c)
        } else {
            if c == 42 || c == 63 || c == 91 { hasGlob = true }
            pattern.append(c)
        }
    }

    mutating func markQuoted() { breakIfPending(); started = true }

    /// The result of an unquoted expansion: split by IFS, glob-active.
    mutating func addSplitting(_ s: String) {
        if !split { if !s.isEmpty { add(s, quoted: false) }; return }
        let ifs = self.ifs
        if ifs.isEmpty { if !s.isEmpty { add(s, quoted: false) }; return }
        for c in s.utf8 {
            if ifs.contains(c) {
                let white = c == 32 || c == 9 || c == 10
                if white {
                    if started { pendingBreak = true }
                } else {
                    // a non-white delimiter ends the field, even an empty one
                    endField()
                    skipWhiteAfterDelimiter = true
                }
            } else {
                skipWhiteAfterDelimiter = false
                breakIfPending()
                started = true
                addByte(c, quoted: false)
            }
        }
    }
    var skipWhiteAfterDelimiter = false

    mutating func finish() {
        if started { endField() }
        pendingBreak = false
    }
}

/// Whether an escaped pattern has an active `*`, `?` or a `[...]` that is
/// closed (dash's expmeta: a lone `[`, as in `[ $i -lt 3 ]`, is literal).
func isGlobPattern(_ p: String) -> Bool {
    var p = p
    return p.withUTF8 { isGlobPattern($0) }
}

private func isGlobPattern(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    while i < u.count {
        let c = u[i]
        if c == 92 { i += 2; continue }
        if c == 42 || c == 63 { return true }
        if c == 91 {
            var j = i + 1
            if j < u.count && (u[j] == 33 || u[j] == 94) { j += 1 }
            if j < u.count && u[j] == 93 { j += 1 }
            while j < u.count && u[j] != 93 { if u[j] == 92 { j += 1 }; j += 1 }
            if j < u.count { return true }
        }
        i += 1
    }
    return false
}

func removeBackslashes(_ s: String) -> String {
    guard s.utf8.contains(92) else { return s }
    var out: [UInt8] = []
    var escaped = false
    for c in s.utf8 {
        if c == 92 && !escaped { escaped = true; continue }
        escaped = false
        out.append(c)
    }
    return String(decoding: out, as: UTF8.self)
}

extension Shell {
    /// Command words to argument fields (splitting and globbing).
    func expandWords(_ words: [Word]) throws -> [String] {
        var result: [String] = []
        result.reserveCapacity(words.count)
        for w in words {
            // fast paths: a plain literal that is no pattern; an unquoted
            // $name whose value has nothing to split or glob
            if w.parts.count == 1 {
                if case .literal(let s) = w.parts[0],
                   !s.utf8.contains(where: { $0 == 42 || $0 == 63 || $0 == 91 }) || !isGlobPattern(s) {
                    result.append(s); continue
                }
                if case .param(let pe, false) = w.parts[0], pe.op == .plain, let f = pe.name.utf8.first, isNameStart(f),
                   let v = value(pe.name), !v.isEmpty,
                   !v.utf8.contains(where: { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 42 || $0 == 63 || $0 == 91 }),
                   isDefaultIFS {
                    result.append(v); continue
                }
            }
            var fb = FieldBuilder(ifs: self.ifs, split: true)
            try expandParts(w.parts, into: &fb, inQuotes: false)
            fb.finish()
            for (i, f) in fb.fields.enumerated() {
                if let p = fb.patterns[i], !noglob, isGlobPattern(p) {
                    let matches = glob(p)
                    if matches.isEmpty { result.append(f) } else { result.append(contentsOf: matches) }
                } else {
                    result.append(f)
                }
            }
        }
        return result
    }

    var isDefaultIFS: Bool { value("IFS") == " \t\n" }

    /// A word to one string: no splitting, no globbing (assignments, here-documents, case subjects).
    func expandString(_ w: Word) throws -> String {
        if w.parts.count == 1 {
            switch w.parts[0] {
            case .literal(let s), .quoted(let s): return s
            case .arith(let a, _): return String(try arithmetic(try expandString(a)))   // x=$((x+1))
            default: break
            }
        }
        if w.parts.isEmpty { return "" }
        var fb = FieldBuilder(ifs: self.ifs, split: false)
        try expandParts(w.parts, into: &fb, inQuotes: false, joinAll: true)
        return String(decoding: fb.value, as: UTF8.self)
    }

    /// A word to a fnmatch pattern: quoted characters escaped.
    func expandPattern(_ w: Word) throws -> String {
        var fb = FieldBuilder(ifs: self.ifs, split: false)
        try expandParts(w.parts, into: &fb, inQuotes: false, joinAll: true)
        return String(decoding: fb.pattern, as: UTF8.self)
    }

    func expandParts(_ parts: [WordPart], into fb: inout FieldBuilder, inQuotes: Bool, joinAll: Bool = false, splitLiterals: Bool = false) throws {
        for part in parts {
            switch part {
            case .literal(let s):
                if splitLiterals && !inQuotes { fb.addSplitting(s) } else { fb.add(s, quoted: inQuotes) }
            case .quoted(let s):
                if s.isEmpty { fb.markQuoted() } else { fb.add(s, quoted: true) }
            case .tilde(let user):
                fb.add(tildeExpansion(user), quoted: true)
            case .param(let pe, let quoted):
                try expandParameter(pe, quoted: quoted || inQuotes, into: &fb, joinAll: joinAll)
            case .command(let node, let quoted):
                let text = try commandSubstitution(node)
                if quoted || inQuotes || joinAll { fb.add(text, quoted: quoted || inQuotes) } else { fb.addSplitting(text) }
            case .arith(let w, let quoted):
                let text = try expandString(w)
                let v = try arithmetic(text)
                if quoted || inQuotes || joinAll { fb.add(String(v), quoted: quoted || inQuotes) } else { fb.addSplitting(String(v)) }
            }
        }
    }

    func arithmetic(_ text: String) throws -> Int {
        // strong captures of self alone: the closure's context is self, no
        // box allocated per expansion (the evaluator does not outlive this call)
        var a = ArithEvaluator(text, lookup: { name in
            let v = self.value(name)
            if v == nil && self.nounset { throw ShellFailure(message: "\(name): parameter not set") }
            return v
        }, assign: { name, v in try self.setVariable(name, String(v)) })
        do { return try a.evaluate() } catch let e as ArithError { throw ShellFailure(message: e.message) }
    }

    func tildeExpansion(_ user: String) -> String {
        if user.isEmpty { return value("HOME") ?? "~" }
        if let bytes = try? readWholeFile("/etc/passwd") {
            // The one passwd splitter (ToolboxFormats PasswdFile); the first entry wins.
            let want = Array(user.utf8)
            var home: String?
            bytes.withUnsafeBufferPointer { all in
                PasswdFile.forEachEntry(all) { f in
                    if home == nil, f.count >= 6, f[0].elementsEqual(want) { home = f[5].string }
                }
            }
            if let home { return home }
        }
        return "~" + user
    }

    /// The value of a special or named parameter (nil when unset).
    func parameterValue(_ name: String) -> String? {
        guard let f = name.utf8.first else { return nil }
        if isNameStart(f) { return value(name) }
        if isDigit(f) {
            guard let n = Int(name) else { return nil }
            if n == 0 { return arg0 }
            return n <= positional.count ? positional[n - 1] : nil
        }
        switch f {
        case UInt8(ascii: "?"): return String(lastStatus)
        case UInt8(ascii: "#"): return String(positional.count)
        case UInt8(ascii: "$"): return String(shellPid)
        case UInt8(ascii: "!"): return lastBackgroundPid == 0 ? nil : String(lastBackgroundPid)
        case UInt8(ascii: "-"): return optionFlags
        case UInt8(ascii: "@"), UInt8(ascii: "*"):
            if positional.isEmpty { return nil }
            let sep = ifs.first.map(String.init) ?? ""
            return positional.joinedText(name == "*" ? sep : " ")
        default: return nil
        }
    }

    private func expandParameter(_ pe: ParamExpansion, quoted: Bool, into fb: inout FieldBuilder, joinAll: Bool) throws {
        let name = pe.name
        let isList = name == "@" || name == "*"
        var v = parameterValue(name)
        var isSet = v != nil
        if isList { isSet = !positional.isEmpty }
        switch pe.op {
        case .plain:
            break
        case .length:
            if v == nil && nounset && !isList { throw ShellFailure(message: "\(name): parameter not set") }
            let n = (v ?? "").utf8.count   // bytes, as dash
            fb.add(String(n), quoted: quoted)
            return
        case .useDefault, .assignDefault, .errorIfUnset, .useAlternative:
            let empty = isList ? (positional.isEmpty || (positional.count == 1 && positional[0].isEmpty && name == "*")) : (v ?? "").isEmpty
            let present = pe.colon ? (isSet && !empty) : isSet
            switch pe.op {
            case .useDefault:
                if !present { try expandParts(pe.word?.parts ?? [], into: &fb, inQuotes: quoted, joinAll: joinAll, splitLiterals: !joinAll); return }
            case .assignDefault:
                if !present {
                    let s = try expandString(pe.word ?? Word())
                    guard isNameStart(name.utf8.first!) else { throw ShellFailure(message: "\(name): bad variable name") }
                    try setVariable(name, s)
                    v = s; isSet = true
                    if quoted || joinAll { fb.add(s, quoted: quoted) } else { fb.addSplitting(s) }
                    return
                }
            case .errorIfUnset:
                if !present {
                    let msg = try pe.word.map { try expandString($0) } ?? ""
                    throw ShellFailure(message: "\(name): " + (msg.isEmpty ? (pe.colon ? "parameter not set or null" : "parameter not set") : msg))
                }
            case .useAlternative:
                if present { try expandParts(pe.word?.parts ?? [], into: &fb, inQuotes: quoted, joinAll: joinAll, splitLiterals: !joinAll) }
                return
            default: break
            }
        case .removeSmallestSuffix, .removeLargestSuffix, .removeSmallestPrefix, .removeLargestPrefix:
            if v == nil && nounset && !isList { throw ShellFailure(message: "\(name): parameter not set") }
            let pattern = try expandPattern(pe.word ?? Word())
            let s = removePattern(v ?? "", pattern, pe.op)
            if quoted || joinAll { fb.add(s, quoted: quoted) } else { fb.addSplitting(s) }
            return
        }
        if !isSet && nounset && !isList && name != "!" {
            throw ShellFailure(message: "\(name): parameter not set")
        }
        if isList {
            if quoted && name == "@" && !joinAll {
                for (i, p) in positional.enumerated() {
                    if i > 0 { fb.endField() }
                    fb.add(p, quoted: true)
                }
                return
            }
            if !quoted && !joinAll {
                for (i, p) in positional.enumerated() {
                    if i > 0 { if fb.started { fb.pendingBreak = true } }
                    fb.addSplitting(p)
                }
                return
            }
        }
        guard let value = v else { return }
        if quoted || joinAll { fb.add(value, quoted: quoted) } else { fb.addSplitting(value) }
    }

    func removePattern(_ s: String, _ pattern: String, _ op: ParamOp) -> String {
        let u = Array(s.utf8)
        // candidate cut points at character boundaries (UTF-8 aware)
        var cuts: [Int] = [0]
        for (i, b) in u.enumerated() where i > 0 && (b & 0xC0) != 0x80 { cuts.append(i) }
        cuts.append(u.count)
        if u.isEmpty { cuts = [0] }
        func matches(_ bytes: ArraySlice<UInt8>) -> Bool {
            var z = Array(bytes); z.append(0)
            return z.withUnsafeBufferPointer { b in
                fnmatch(pattern, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), 0) == 0
            }
        }
        switch op {
        case .removeSmallestPrefix:
            for c in cuts where matches(u[0..<c]) { return String(decoding: u[c...], as: UTF8.self) }
        case .removeLargestPrefix:
            for c in cuts.reversed() where matches(u[0..<c]) { return String(decoding: u[c...], as: UTF8.self) }
        case .removeSmallestSuffix:
            for c in cuts.reversed() where matches(u[c...]) { return String(decoding: u[..<c], as: UTF8.self) }
        case .removeLargestSuffix:
            for c in cuts where matches(u[c...]) { return String(decoding: u[..<c], as: UTF8.self) }
        default: break
        }
        return s
    }

    /// fnmatch(3) of a case pattern.
    func patternMatches(_ pattern: String, _ s: String) -> Bool {
        fnmatch(pattern, s, 0) == 0
    }

    /// Pathname expansion: glob(3), or for paths under /proc/PID/root (the
    /// pattern's or the working directory's) a walk that lists directories
    /// confined to that root, so `../*` never climbs out of the container.
    func glob(_ pattern: String) -> [String] {
        let full = pattern.hasPrefix("/") ? pattern : (pwd == "/" ? "/" : pwd + "/") + pattern
        if splitContainerPath(full) != nil { return confinedGlob(pattern) }
        return libcGlob(pattern)
    }

    func confinedGlob(_ pattern: String) -> [String] {
        // (what the user sees, the logical path it stands for)
        var current: [(String, String)] = [(pattern.hasPrefix("/") ? "/" : "", pattern.hasPrefix("/") ? "/" : pwd)]
        let comps = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for (i, comp) in comps.enumerated() {
            let last = i == comps.count - 1
            let magic = comp.utf8.contains { $0 == 42 || $0 == 63 || $0 == 91 }
            var next: [(String, String)] = []
            for (shown, logical) in current {
                let base = logical.hasSuffix("/") ? logical : logical + "/"
                let shownBase = shown.isEmpty || shown.hasSuffix("/") ? shown : shown + "/"
                if !magic {
                    let literal = removeBackslashes(comp)
                    next.append((shownBase + literal, base + literal))
                    continue
                }
                for entry in listDirectory(logical, limit: 1 << 16, withTypes: true).sorted() {
                    var name = entry
                    let isDir = name.hasSuffix("/")
                    if isDir { name.removeLast() }
                    if name.hasPrefix(".") && !comp.hasPrefix(".") { continue }
                    if !last && !isDir { continue }
                    if fnmatch(comp, name, FNM_PERIOD) == 0 { next.append((shownBase + name, base + name)) }
                }
            }
            current = next
            if current.isEmpty || current.count > 1 << 16 { return [] }
        }
        // literal trailing components must exist
        return current.filter { confinedExists($0.1) }.map { $0.0 + (pattern.hasSuffix("/") ? "/" : "") }
    }

    func confinedExists(_ path: String) -> Bool {
        guard let split = splitContainerPath(path), let r = try? FileDescriptor.open(split.root, O_PATH | O_DIRECTORY) else {
            var st = stat(); return lstat(path, &st) == 0
        }
        defer { r.close() }
        guard let fd = try? openInRoot(r, logicalClean(split.inner), flags: O_PATH | O_NOFOLLOW) else { return false }
        fd.close()
        return true
    }

    func libcGlob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        var r: [String] = []
        r.reserveCapacity(Int(g.gl_pathc))
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { r.append(String(cString: p)) }
        }
        return r
    }

    /// $(...): runs `node` in a child with stdout on a pipe; trailing newlines removed.
    func commandSubstitution(_ node: Node) throws -> String {
        if case .empty = node { return "" }
        out.flush(); err.flush()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ShellFailure(message: "Pipe call failed") }
        let pid = fork()
        if pid < 0 { close(fds[0]); close(fds[1]); throw ShellFailure(message: "Cannot fork") }
        if pid == 0 {
            close(fds[0])
            if fds[1] != 1 { dup2(fds[1], 1); close(fds[1]) }
            enterSubshell()
            exitChild(evalInChild(node))
        }
        close(fds[1])
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(fds[0], &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        close(fds[0])
        lastStatus = waitForChild(pid)
        substitutionStatus = lastStatus
        while data.last == 10 { data.removeLast() }
        return String(decoding: data, as: UTF8.self)
    }
}
