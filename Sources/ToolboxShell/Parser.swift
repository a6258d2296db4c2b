import ToolboxCore

// Lexer and parser in one (dash's parser.c): a recursive-descent parser over
// a byte buffer that asks its input for more lines when it runs dry, so a
// script on a pipe runs command by command. Every descent counts against
// `maxNesting`; input nested deeper is a reported error, never a stack
// overflow.

struct ShellSyntaxError: Error {
    let message: String
    let line: Int
}

/// `sh: N: nesting too deep` (parser, arithmetic, eval).
let maxNesting = 200

enum Token: Equatable {
    case word, newline, eof, semi, amp, pipe, andIf, orIf, dsemi, lparen, rparen, redirection

    var display: String {
        switch self {
        case .word: return "word"
        case .newline: return "newline"
        case .eof: return "end of file"
        case .semi: return "\";\""
        case .amp: return "\"&\""
        case .pipe: return "\"|\""
        case .andIf: return "\"&&\""
        case .orIf: return "\"||\""
        case .dsemi: return "\";;\""
        case .lparen: return "\"(\""
        case .rparen: return "\")\""
        case .redirection: return "redirection"
        }
    }
}

/// The reserved words (a switch, not a Set: no hashing table built at start-up).
func isKeyword(_ s: String) -> Bool {
    switch s {
    case "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while": return true
    default: return false
    }
}

private let c_newline: UInt8 = 10, c_space: UInt8 = 32, c_tab: UInt8 = 9
private let c_squote: UInt8 = 39, c_dquote: UInt8 = 34, c_backslash: UInt8 = 92, c_dollar: UInt8 = 36
private let c_backquote: UInt8 = 96, c_lbrace: UInt8 = 123, c_rbrace: UInt8 = 125, c_lparen: UInt8 = 40
private let c_rparen: UInt8 = 41, c_semi: UInt8 = 59, c_amp: UInt8 = 38, c_pipe: UInt8 = 124
private let c_lt: UInt8 = 60, c_gt: UInt8 = 62, c_hash: UInt8 = 35, c_tilde: UInt8 = 126
private let c_equals: UInt8 = 61, c_colon: UInt8 = 58, c_slash: UInt8 = 47

@inline(__always) func isNameStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
@inline(__always) func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 48 && c <= 57) }
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

func isValidName(_ s: String) -> Bool {
    var first = true
    for c in s.utf8 {
        if first { if !isNameStart(c) { return false }; first = false } else if !isNameChar(c) { return false }
    }
    return !first
}

final class Parser {
    var src: [UInt8]
    var pos = 0
    var line = 1
    /// More input (one line, or a block), nil at end of input.
    var refill: (() -> [UInt8]?)?
    var depth = 0
    /// Alias lookup (the shell's table), applied to command words.
    var aliasLookup: ((String) -> String?)?
    private var aliasBudget = 0

    // One token of lookahead.
    private var peeked: Token? = nil
    private var tokWord = Word()
    private var tokRedirection: Redirection? = nil
    private var pendingHereDocs: [(Redirection, String, Bool)] = []   // redirection, delimiter, strip tabs
    private var tokLine = 1

    init(_ bytes: [UInt8], refill: (() -> [UInt8]?)? = nil, line: Int = 1) {
        self.src = bytes; self.refill = refill; self.line = line
    }

    // MARK: characters

    @inline(__always) func peekChar() -> Int {
        if pos < src.count { return Int(src[pos]) }
        return fill() ? Int(src[pos]) : -1
    }
    private func fill() -> Bool {
        guard let r = refill else { return false }
        while pos >= src.count {
            guard let more = r() else { refill = nil; return false }
            if pos > 65536 && pos == src.count { src.removeAll(keepingCapacity: true); pos = 0 }
            src.append(contentsOf: more)
        }
        return true
    }
    @inline(__always) func nextChar() -> Int {
        let c = peekChar()
        if c >= 0 { pos += 1; if c == 10 { line += 1 } }
        return c
    }
    private func peekChar(at offset: Int) -> Int {
        while pos + offset >= src.count { if refill == nil || !fillMore() { return -1 } }
        return Int(src[pos + offset])
    }
    private func fillMore() -> Bool {
        guard let r = refill, let more = r() else { refill = nil; return false }
        src.append(contentsOf: more); return true
    }

    func error(_ message: String) -> ShellSyntaxError { ShellSyntaxError(message: "Syntax error: " + message, line: line) }

    private func enter() throws(ShellSyntaxError) {
        depth += 1
        if depth > maxNesting { throw ShellSyntaxError(message: "nesting too deep", line: line) }
    }

    // MARK: tokens

    private func peekToken() throws(ShellSyntaxError) -> Token {
        if let t = peeked { return t }
        let t = try readToken()
        peeked = t
        return t
    }
    private func takeToken() throws(ShellSyntaxError) -> Token {
        let t = try peekToken(); peeked = nil; return t
    }
    private func consume() { peeked = nil }

    /// The keyword the current word token spells, if it is one (command position only).
    private func peekKeyword() throws(ShellSyntaxError) -> String? {
        guard try peekToken() == .word, let s = tokWord.plainLiteral, isKeyword(s) else { return nil }
        return s
    }

    private func unexpected(_ t: Token, expecting: String? = nil) -> ShellSyntaxError {
        var what = t.display
        if t == .word, let s = tokWord.plainLiteral, isKeyword(s) { what = "\"\(s)\"" }
        if t == .redirection { what = "redirection" }
        if let e = expecting { return error("\(what) unexpected (expecting \"\(e)\")") }
        return error("\(what) unexpected")
    }

    private func readToken() throws(ShellSyntaxError) -> Token {
        // blanks, comments, line continuations
        while true {
            let c = peekChar()
            if c == Int(c_space) || c == Int(c_tab) { pos += 1; continue }
            if c == Int(c_backslash) && peekChar(at: 1) == 10 { pos += 2; line += 1; continue }
            if c == Int(c_hash) {
                while true { let d = peekChar(); if d < 0 || d == 10 { break }; pos += 1 }
                continue
            }
            break
        }
        tokLine = line
        let c = peekChar()
        switch c {
        case -1: return .eof
        case 10:
            pos += 1; line += 1
            if !pendingHereDocs.isEmpty { try readHereDocs() }
            return .newline
        case Int(c_semi):
            pos += 1
            if peekChar() == Int(c_semi) { pos += 1; return .dsemi }
            return .semi
        case Int(c_amp):
            pos += 1
            if peekChar() == Int(c_amp) { pos += 1; return .andIf }
            return .amp
        case Int(c_pipe):
            pos += 1
            if peekChar() == Int(c_pipe) { pos += 1; return .orIf }
            return .pipe
        case Int(c_lparen): pos += 1; return .lparen
        case Int(c_rparen): pos += 1; return .rparen
        case Int(c_lt), Int(c_gt):
            return try readRedirection(fd: -1)
        default:
            break
        }
        // IO_NUMBER: digits directly followed by < or >
        if isDigit(UInt8(c)) {
            var i = 0
            while true { let d = peekChar(at: i); if d >= 0 && isDigit(UInt8(d)) { i += 1 } else { break } }
            let d = peekChar(at: i)
            if (d == Int(c_lt) || d == Int(c_gt)) && i < 10 {
                let fd = Int32(String(decoding: src[pos..<pos + i], as: UTF8.self))!
                pos += i
                return try readRedirection(fd: fd)
            }
        }
        tokWord = try readWord(mode: .normal)
        return .word
    }

    private func readRedirection(fd: Int32) throws(ShellSyntaxError) -> Token {
        let c = nextChar()
        var op: RedirOp
        var strip = false
        if c == Int(c_lt) {
            switch peekChar() {
            case Int(c_lt):
                pos += 1; op = .hereDoc
                if peekChar() == Int(UInt8(ascii: "-")) { pos += 1; strip = true }
            case Int(c_amp): pos += 1; op = .dupInput
            case Int(c_gt): pos += 1; op = .readWrite
            default: op = .input
            }
        } else {
            switch peekChar() {
            case Int(c_gt): pos += 1; op = .append
            case Int(c_amp): pos += 1; op = .dupOutput
            case Int(c_pipe): pos += 1; op = .clobber
            default: op = .output
            }
        }
        let defaultFd: Int32 = (op == .input || op == .hereDoc || op == .dupInput || op == .readWrite) ? 0 : 1
        // the target word
        let t = try readToken()
        guard t == .word else { throw unexpected(t) }
        let r = Redirection(fd: fd >= 0 ? fd : defaultFd, op: op, target: tokWord)
        if op == .hereDoc {
            var delim = ""
            for p in tokWord.parts {
                switch p {
                case .literal(let s), .quoted(let s): delim += s
                case .tilde(let s): delim += "~" + s
                case .param(let pe, _): delim += "$" + pe.name
                default: break
                }
            }
            r.hereQuoted = tokWord.hasQuotes
            pendingHereDocs.append((r, delim, strip))
        }
        tokRedirection = r
        return .redirection
    }

    private func readHereDocs() throws(ShellSyntaxError) {
        let docs = pendingHereDocs
        pendingHereDocs = []
        for (r, delim, strip) in docs {
            var body: [UInt8] = []
            let delimBytes = Array(delim.utf8)
            var terminated = false
            while true {
                // one line
                var lineBytes: [UInt8] = []
                var sawNewline = false
                while true {
                    let c = peekChar()
                    if c < 0 { break }
                    pos += 1
                    if c == 10 { line += 1; sawNewline = true; break }
                    lineBytes.append(UInt8(c))
                }
                if !sawNewline && lineBytes.isEmpty { break }
                var start = 0
                if strip { while start < lineBytes.count && lineBytes[start] == c_tab { start += 1 } }
                let content = Array(lineBytes[start...])
                if content == delimBytes { terminated = true; break }
                body.append(contentsOf: content)
                if sawNewline { body.append(c_newline) } else { break }
            }
            _ = terminated  // dash accepts end of file as the end of a here-document
            if r.hereQuoted {
                r.hereBody = Word([.quoted(String(decoding: body, as: UTF8.self))])
            } else {
                let sub = Parser(body, line: line)
                sub.depth = depth
                r.hereBody = try sub.readWord(mode: .hereDoc)
            }
        }
    }

    // MARK: words

    enum WordMode { case normal, braceUnquoted, braceQuoted, hereDoc, arith }

    /// Reads one word's parts. `.normal` ends at a metacharacter; the brace
    /// modes at the `}` closing `${...}`; `.hereDoc` at end of input;
    /// `.arith` at the `))` closing `$((...))`.
    func readWord(mode: WordMode) throws(ShellSyntaxError) -> Word {
        var parts: [WordPart] = []
        var lit: [UInt8] = []
        var quotedLit: [UInt8] = []
        var inDQ = (mode == .braceQuoted)
        let startPos = pos
        var assignmentPrefix = mode == .normal   // still possibly NAME= at the start
        var inAssignment = false
        var parenDepth = 0
        var dqStart = 0
        func flushLit() {
            if !lit.isEmpty { parts.append(.literal(String(decoding: lit, as: UTF8.self))); lit.removeAll() }
        }
        func flushQuoted() {
            if !quotedLit.isEmpty { parts.append(.quoted(String(decoding: quotedLit, as: UTF8.self))); quotedLit.removeAll() }
        }
        func flushAll() { flushLit(); flushQuoted() }
        func addLit(_ c: UInt8, quoted: Bool) {
            if quoted { flushLit(); quotedLit.append(c) } else { flushQuoted(); lit.append(c) }
        }
        let quotedContext = mode == .hereDoc || mode == .arith
        while true {
            let c = peekChar()
            if c < 0 {
                if inDQ && mode != .braceQuoted { throw error("Unterminated quoted string") }
                if mode == .braceUnquoted || mode == .braceQuoted { throw error("Missing '}'") }
                if mode == .arith { throw error("Missing '))'") }
                break
            }
            let b = UInt8(c)
            if !inDQ && mode == .normal {
                if b == c_space || b == c_tab || b == c_newline || b == c_semi || b == c_amp || b == c_pipe
                    || b == c_lt || b == c_gt || b == c_lparen || b == c_rparen { break }
            }
            if (mode == .braceUnquoted || mode == .braceQuoted) && b == c_rbrace && (!inDQ || mode == .braceQuoted) {
                if mode == .braceUnquoted || !inDQ || true { break }
            }
            if mode == .arith && !inDQ {
                if b == c_lparen { parenDepth += 1 }
                else if b == c_rparen {
                    if parenDepth == 0 {
                        if peekChar(at: 1) == Int(c_rparen) { break }
                    } else { parenDepth -= 1 }
                }
            }
            if assignmentPrefix {
                if b == c_equals && pos > startPos { inAssignment = true; assignmentPrefix = false }
                else if !isNameChar(b) || (pos == startPos && !isNameStart(b)) { assignmentPrefix = false }
            }
            let quotedHere = inDQ || quotedContext
            switch b {
            case c_squote where !quotedHere:
                pos += 1
                flushLit()
                var closed = false
                while true {
                    let d = nextChar()
                    if d < 0 { break }
                    if d == Int(c_squote) { closed = true; break }
                    quotedLit.append(UInt8(d))
                }
                if !closed { throw error("Unterminated quoted string") }
                // an empty '' still makes the word quoted
                if quotedLit.isEmpty { parts.append(.quoted("")) }
            case c_dquote where mode != .hereDoc && mode != .arith:
                pos += 1
                if mode == .braceQuoted { inDQ.toggle(); continue }
                if !inDQ { flushLit(); flushQuoted(); inDQ = true; dqStart = parts.count }
                else {
                    inDQ = false
                    if parts.count == dqStart && quotedLit.isEmpty { parts.append(.quoted("")) }
                }
            case c_backslash:
                pos += 1
                let d = peekChar()
                if d < 0 { addLit(c_backslash, quoted: quotedHere); break }
                if d == 10 { pos += 1; line += 1; continue }
                let e = UInt8(d)
                if quotedHere {
                    let special = e == c_dollar || e == c_backquote || e == c_backslash
                        || (e == c_dquote && inDQ && mode != .hereDoc) || (e == c_rbrace && mode == .braceQuoted)
                    if special { pos += 1; addLit(e, quoted: true) }
                    else { addLit(c_backslash, quoted: true) }
                } else {
                    pos += 1
                    addLit(e, quoted: true)
                }
            case c_dollar:
                pos += 1
                flushAll()
                if let p = try readDollar(quoted: quotedHere) { parts.append(p) } else { addLit(c_dollar, quoted: quotedHere) }
            case c_backquote:
                pos += 1
                flushAll()
                parts.append(try readBackquote(quoted: quotedHere, inDQ: inDQ))
            case c_tilde where !quotedHere && (pos == startPos || (inAssignment && (lit.last == c_equals || lit.last == c_colon) && quotedLit.isEmpty)):
                pos += 1
                var user: [UInt8] = []
                var ok = true
                while true {
                    let d = peekChar()
                    if d < 0 { break }
                    let e = UInt8(d)
                    if e == c_slash || e == c_space || e == c_tab || e == c_newline || e == c_semi || e == c_amp
                        || e == c_pipe || e == c_lt || e == c_gt || e == c_lparen || e == c_rparen { break }
                    if inAssignment && e == c_colon { break }
                    if mode != .normal && e == c_rbrace { break }
                    if !(isNameChar(e) || e == UInt8(ascii: "-") || e == UInt8(ascii: ".")) { ok = false; break }
                    user.append(e); pos += 1
                }
                if ok { flushAll(); parts.append(.tilde(String(decoding: user, as: UTF8.self))) }
                else { lit.append(c_tilde); lit.append(contentsOf: user) }
            default:
                pos += 1
                if b == c_newline { line += 1 }
                addLit(b, quoted: quotedHere)
            }
        }
        flushAll()
        return Word(parts)
    }

    private func readDollar(quoted: Bool) throws(ShellSyntaxError) -> WordPart? {
        let c = peekChar()
        if c < 0 { return nil }
        let b = UInt8(c)
        if b == c_lparen {
            if peekChar(at: 1) == Int(c_lparen) {
                pos += 2
                try enter(); defer { depth -= 1 }
                let w = try readWord(mode: .arith)
                pos += 2   // "))"
                return .arith(w, quoted: quoted)
            }
            pos += 1
            try enter(); defer { depth -= 1 }
            let savedPeek = peeked; peeked = nil
            let savedDocs = pendingHereDocs; pendingHereDocs = []
            let body = try compoundList(stopAtRParen: true, allowEmpty: true)
            let t = try takeToken()
            guard t == .rparen else { throw unexpected(t, expecting: ")") }
            peeked = savedPeek; pendingHereDocs = savedDocs
            return .command(body, quoted: quoted)
        }
        if b == c_lbrace {
            pos += 1
            return .param(try readBraced(quoted: quoted), quoted: quoted)
        }
        if isNameStart(b) {
            var name: [UInt8] = []
            while true { let d = peekChar(); if d >= 0 && isNameChar(UInt8(d)) { name.append(UInt8(d)); pos += 1 } else { break } }
            return .param(ParamExpansion(name: String(decoding: name, as: UTF8.self), op: .plain, colon: false, word: nil), quoted: quoted)
        }
        if isDigit(b) || b == UInt8(ascii: "@") || b == UInt8(ascii: "*") || b == c_hash || b == UInt8(ascii: "?")
            || b == UInt8(ascii: "-") || b == c_dollar || b == UInt8(ascii: "!") {
            pos += 1
            return .param(ParamExpansion(name: String(UnicodeScalar(b)), op: .plain, colon: false, word: nil), quoted: quoted)
        }
        return nil
    }

    private func readBraced(quoted: Bool) throws(ShellSyntaxError) -> ParamExpansion {
        var length = false
        // ${#name} (but ${#} is $#, and ${#-x} etc. use # as the name)
        if peekChar() == Int(c_hash) {
            let n = peekChar(at: 1)
            if n >= 0 && n != Int(c_rbrace) {
                let nb = UInt8(n)
                if isNameChar(nb) || nb == UInt8(ascii: "@") || nb == UInt8(ascii: "*") || nb == c_hash || nb == UInt8(ascii: "?")
                    || nb == c_dollar || nb == UInt8(ascii: "!") || (nb == UInt8(ascii: "-") && peekChar(at: 2) == Int(c_rbrace)) {
                    length = true; pos += 1
                }
            }
        }
        var name: [UInt8] = []
        let c = peekChar()
        if c < 0 { throw error("Missing '}'") }
        let b = UInt8(c)
        if isNameStart(b) {
            while true { let d = peekChar(); if d >= 0 && isNameChar(UInt8(d)) { name.append(UInt8(d)); pos += 1 } else { break } }
        } else if isDigit(b) {
            while true { let d = peekChar(); if d >= 0 && isDigit(UInt8(d)) { name.append(UInt8(d)); pos += 1 } else { break } }
        } else if b == UInt8(ascii: "@") || b == UInt8(ascii: "*") || b == c_hash || b == UInt8(ascii: "?")
                    || b == UInt8(ascii: "-") || b == c_dollar || b == UInt8(ascii: "!") {
            name.append(b); pos += 1
        } else {
            throw ShellSyntaxError(message: "Bad substitution", line: line)
        }
        let nameString = String(decoding: name, as: UTF8.self)
        if length {
            guard nextChar() == Int(c_rbrace) else { throw ShellSyntaxError(message: "Bad substitution", line: line) }
            return ParamExpansion(name: nameString, op: .length, colon: false, word: nil)
        }
        let d = nextChar()
        if d < 0 { throw error("Missing '}'") }
        if d == 10 { line -= 1; throw error("Missing '}'") }
        if d == Int(c_rbrace) { return ParamExpansion(name: nameString, op: .plain, colon: false, word: nil) }
        var colon = false
        var opChar = d
        if d == Int(c_colon) {
            colon = true
            opChar = nextChar()
        }
        var op: ParamOp
        switch opChar {
        case Int(UInt8(ascii: "-")): op = .useDefault
        case Int(c_equals): op = .assignDefault
        case Int(UInt8(ascii: "?")): op = .errorIfUnset
        case Int(UInt8(ascii: "+")): op = .useAlternative
        case Int(UInt8(ascii: "%")) where !colon:
            op = .removeSmallestSuffix
            if peekChar() == Int(UInt8(ascii: "%")) { pos += 1; op = .removeLargestSuffix }
        case Int(c_hash) where !colon:
            op = .removeSmallestPrefix
            if peekChar() == Int(c_hash) { pos += 1; op = .removeLargestPrefix }
        default:
            throw ShellSyntaxError(message: "Bad substitution", line: line)
        }
        try enter(); defer { depth -= 1 }
        // patterns (% %% # ##) stay patterns inside double quotes
        let patternOp = op == .removeSmallestSuffix || op == .removeLargestSuffix || op == .removeSmallestPrefix || op == .removeLargestPrefix
        let w = try readWord(mode: quoted && !patternOp ? .braceQuoted : .braceUnquoted)
        guard nextChar() == Int(c_rbrace) else { throw error("Missing '}'") }
        return ParamExpansion(name: nameString, op: op, colon: colon, word: w)
    }

    private func readBackquote(quoted: Bool, inDQ: Bool) throws(ShellSyntaxError) -> WordPart {
        var text: [UInt8] = []
        let startLine = line
        while true {
            let c = nextChar()
            if c < 0 { throw error("EOF in backquote substitution") }
            if c == Int(c_backquote) { break }
            if c == Int(c_backslash) {
                let d = peekChar()
                if d == Int(c_dollar) || d == Int(c_backquote) || d == Int(c_backslash) || (inDQ && d == Int(c_dquote)) {
                    pos += 1; text.append(UInt8(d)); continue
                }
                if d == 10 { pos += 1; line += 1; continue }
            }
            text.append(UInt8(c))
        }
        try enter(); defer { depth -= 1 }
        let sub = Parser(text, line: startLine)
        sub.depth = depth
        sub.aliasLookup = aliasLookup
        let body = try sub.compoundList(stopAtRParen: false, allowEmpty: true)
        let t = try sub.takeToken()
        guard t == .eof else { throw sub.unexpected(t) }
        return .command(body, quoted: quoted)
    }

    // MARK: grammar

    /// The next complete command of the program (up to a newline), nil at
    /// end of input. `.empty` for a blank line.
    func nextCommand() throws(ShellSyntaxError) -> Node? {
        aliasBudget = 100
        var t = try peekToken()
        if t == .eof { return nil }
        if t == .newline { consume(); return .empty }
        var items: [Node] = []
        while true {
            var n = try andOr()
            t = try peekToken()
            var separated = false
            if t == .amp { consume(); n = .background(n); separated = true }
            else if t == .semi { consume(); separated = true }
            items.append(n)
            t = try peekToken()
            if t == .newline { consume(); break }
            if t == .eof { break }
            if separated, try startsCommand() { continue }
            throw unexpected(t)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private func startsCommand() throws(ShellSyntaxError) -> Bool {
        let t = try peekToken()
        if t == .word {
            if let k = try peekKeyword(), k != "{" && k != "!" && k != "if" && k != "while" && k != "until" && k != "for" && k != "case" { return false }
            return true
        }
        return t == .lparen || t == .redirection
    }

    private func skipNewlines() throws(ShellSyntaxError) {
        while try peekToken() == .newline { consume() }
    }

    private static func isStopWord(_ k: String) -> Bool {
        switch k {
        case "then", "else", "elif", "fi", "do", "done", "esac", "}": return true
        default: return false
        }
    }

    /// A compound list: and-or lists separated by `;`, `&` or newlines, up to
    /// a closing keyword, `)`, `;;` or end of input.
    func compoundList(stopAtRParen: Bool, allowEmpty: Bool = false, expecting: String? = nil) throws(ShellSyntaxError) -> Node {
        try enter(); defer { depth -= 1 }
        var items: [Node] = []
        try skipNewlines()
        while true {
            let t = try peekToken()
            if t == .eof || t == .dsemi || t == .rparen { break }
            if let k = try peekKeyword(), Parser.isStopWord(k) { break }
            if !(try startsCommand()) { throw unexpected(t) }
            var n = try andOr()
            let sep = try peekToken()
            if sep == .amp { consume(); n = .background(n) }
            else if sep == .semi { consume() }
            else if sep == .newline { }
            items.append(n)
            try skipNewlines()
            if sep != .amp && sep != .semi && sep != .newline { break }
        }
        if items.isEmpty {
            if allowEmpty { return .empty }
            let t = try peekToken()
            throw unexpected(t, expecting: t == .eof ? expecting : nil)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private func andOr() throws(ShellSyntaxError) -> Node {
        let first = try pipeline()
        var rest: [(and: Bool, node: Node)] = []
        while true {
            let t = try peekToken()
            if t == .andIf || t == .orIf {
                consume()
                try skipNewlines()
                rest.append((t == .andIf, try pipeline()))
            } else { return rest.isEmpty ? first : .andOr(first, rest) }
        }
    }

    private func pipeline() throws(ShellSyntaxError) -> Node {
        var negated = false
        if try peekKeyword() == "!" {
            consume(); negated = true
            if try peekKeyword() == "!" { throw unexpected(.word) }
        }
        var stages = [try command()]
        while try peekToken() == .pipe {
            consume()
            try skipNewlines()
            stages.append(try command())
        }
        if stages.count == 1 && !negated { return stages[0] }
        return .pipeline(stages, negated: negated)
    }

    private func expectKeyword(_ k: String) throws(ShellSyntaxError) {
        if try peekKeyword() == k { consume(); return }
        throw unexpected(try peekToken(), expecting: k)
    }

    private func trailingRedirections() throws(ShellSyntaxError) -> [Redirection] {
        var rs: [Redirection] = []
        while try peekToken() == .redirection { consume(); rs.append(tokRedirection!) }
        return rs
    }

    private func command() throws(ShellSyntaxError) -> Node {
        try enter(); defer { depth -= 1 }
        let t = try peekToken()
        if t == .lparen {
            consume()
            let body = try compoundList(stopAtRParen: true, expecting: ")")
            let c = try takeToken()
            guard c == .rparen else { throw unexpected(c, expecting: ")") }
            return .subshell(body, try trailingRedirections())
        }
        if t == .word, let k = try peekKeyword() {
            switch k {
            case "{":
                consume()
                let body = try compoundList(stopAtRParen: false, expecting: "}")
                try expectKeyword("}")
                return .group(body, try trailingRedirections())
            case "if":
                consume()
                let cond = try compoundList(stopAtRParen: false, expecting: "then")
                try expectKeyword("then")
                let then = try compoundList(stopAtRParen: false, expecting: "fi")
                var elifs: [(Node, Node)] = []
                var otherwise: Node? = nil
                while true {
                    if try peekKeyword() == "elif" {
                        consume()
                        let c = try compoundList(stopAtRParen: false, expecting: "then")
                        try expectKeyword("then")
                        elifs.append((c, try compoundList(stopAtRParen: false, expecting: "fi")))
                        continue
                    }
                    if try peekKeyword() == "else" {
                        consume()
                        otherwise = try compoundList(stopAtRParen: false, expecting: "fi")
                    }
                    break
                }
                try expectKeyword("fi")
                for (c, b) in elifs.reversed() { otherwise = .ifClause(condition: c, then: b, otherwise: otherwise, []) }
                return .ifClause(condition: cond, then: then, otherwise: otherwise, try trailingRedirections())
            case "while", "until":
                consume()
                let cond = try compoundList(stopAtRParen: false, expecting: "do")
                try expectKeyword("do")
                let body = try compoundList(stopAtRParen: false, expecting: "done")
                try expectKeyword("done")
                return .loop(condition: cond, body: body, until: k == "until", try trailingRedirections())
            case "for":
                consume()
                let forLine = line
                guard try takeToken() == .word, let name = tokWord.plainLiteral, isValidName(name) else {
                    throw error("Bad for loop variable")
                }
                var words: [Word]? = nil
                var sawNewline = false
                while try peekToken() == .newline { consume(); sawNewline = true }
                if try peekKeyword() == "in" {
                    consume()
                    var ws: [Word] = []
                    while try peekToken() == .word { consume(); ws.append(tokWord) }
                    let s = try peekToken()
                    if s == .semi || s == .newline { consume() } else { throw unexpected(s, expecting: "do") }
                    words = ws
                } else if !sawNewline, try peekToken() == .semi { consume() }
                try skipNewlines()
                try expectKeyword("do")
                let body = try compoundList(stopAtRParen: false, expecting: "done")
                try expectKeyword("done")
                return .forLoop(name: name, words: words, body: body, try trailingRedirections(), line: forLine)
            case "case":
                consume()
                guard try takeToken() == .word else { throw unexpected(try peekToken()) }
                let subject = tokWord
                try skipNewlines()
                try expectKeyword("in")
                var items: [CaseItem] = []
                try skipNewlines()
                while true {
                    if try peekKeyword() == "esac" { consume(); break }
                    let item = CaseItem()
                    if try peekToken() == .lparen { consume() }
                    while true {
                        let w = try takeToken()
                        guard w == .word else { throw unexpected(w) }
                        item.patterns.append(tokWord)
                        let s = try takeToken()
                        if s == .pipe { continue }
                        if s == .rparen { break }
                        throw unexpected(s, expecting: ")")
                    }
                    let body = try compoundList(stopAtRParen: false, allowEmpty: true)
                    if case .empty = body {} else { item.body = body }
                    items.append(item)
                    let s = try peekToken()
                    if s == .dsemi { consume(); try skipNewlines(); continue }
                    if try peekKeyword() == "esac" { consume(); break }
                    throw unexpected(s, expecting: ";;")
                }
                return .caseClause(subject, items, try trailingRedirections())
            default:
                throw unexpected(t)
            }
        }
        return try simpleCommand()
    }

    private func simpleCommand() throws(ShellSyntaxError) -> Node {
        let cmd = SimpleCommand()
        cmd.line = line
        var sawWord = false
        while true {
            let t = try peekToken()
            if t == .redirection { consume(); cmd.redirections.append(tokRedirection!); continue }
            if t != .word { break }
            cmd.line = tokLine
            let w = tokWord
            if !sawWord, let assignment = splitAssignment(w) {
                consume(); cmd.assignments.append(assignment); continue
            }
            if !sawWord, let name = w.plainLiteral, aliasBudget > 0, let value = aliasLookup?(name) {
                // alias: replace the word by its text and lex again
                aliasBudget -= 1
                consume()
                src.insert(contentsOf: Array((value + " ").utf8), at: pos)
                continue
            }
            consume()
            if !sawWord && cmd.assignments.isEmpty && cmd.redirections.isEmpty, try peekToken() == .lparen {
                // a function definition
                consume()
                let r = try takeToken()
                guard r == .rparen else { throw unexpected(r, expecting: ")") }
                guard let name = w.plainLiteral, isValidName(name) || !name.isEmpty && !name.utf8.contains(c_equals) && !isDigit(name.utf8.first!) else {
                    throw error("Bad function name")
                }
                try skipNewlines()
                let body = try command()
                return .function(name: name, body: body, line: cmd.line)
            }
            sawWord = true
            cmd.words.append(untildedArgument(w))
        }
        if !sawWord && cmd.assignments.isEmpty && cmd.redirections.isEmpty {
            throw unexpected(try peekToken())
        }
        return .simple(cmd)
    }

    /// A `~` the lexer took for an assignment's tilde (`x=~`) is literal in an argument.
    private func untildedArgument(_ w: Word) -> Word {
        var parts = w.parts
        var changed = false
        for i in parts.indices.dropFirst() {
            if case .tilde(let u) = parts[i] { parts[i] = .literal("~" + u); changed = true }
        }
        return changed ? Word(parts) : w
    }

    /// `NAME=value` as an assignment (NAME unquoted, a valid name).
    private func splitAssignment(_ w: Word) -> Assignment? {
        guard case .literal(let first)? = w.parts.first else { return nil }
        let u = first.utf8
        guard let eq = u.firstIndex(of: c_equals), eq != u.startIndex else { return nil }
        let name = String(first[first.startIndex..<eq])
        guard isValidName(name) else { return nil }
        var parts = w.parts
        let rest = String(first[u.index(after: eq)...])
        if rest.isEmpty { parts.removeFirst() } else { parts[0] = .literal(rest) }
        return Assignment(name: name, value: Word(parts))
    }
}
