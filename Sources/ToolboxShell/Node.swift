// The shell's syntax tree (dash's nodes.c): what the parser builds and eval
// walks. Words keep their parts (literal, quoted, expansions) so expansion can
// apply POSIX's order without re-lexing.

/// One piece of a word.
enum WordPart {
    /// Unquoted text: subject to pathname expansion.
    case literal(String)
    /// Text from quotes or a backslash: never split or globbed.
    case quoted(String)
    case param(ParamExpansion, quoted: Bool)
    case command(Node, quoted: Bool)
    case arith(Word, quoted: Bool)
    /// `~` or `~user` at the start of a word or after `:` in an assignment.
    case tilde(String)
}

struct Word {
    var parts: [WordPart]
    init(_ parts: [WordPart] = []) { self.parts = parts }

    /// The word as plain text when it has no expansions or quotes (keywords, names).
    var plainLiteral: String? {
        if parts.count == 1, case .literal(let s) = parts[0] { return s }
        return nil
    }
    /// Text when every part is literal or quoted (here-doc delimiters, function names).
    var hasQuotes: Bool {
        parts.contains { if case .quoted = $0 { return true }; return false }
    }
}

enum ParamOp: UInt8 {
    case plain, length, useDefault, assignDefault, errorIfUnset, useAlternative
    case removeSmallestSuffix, removeLargestSuffix, removeSmallestPrefix, removeLargestPrefix
}

struct ParamExpansion {
    var name: String
    var op: ParamOp
    /// `:` given: treat empty as unset (for - = ? +).
    var colon: Bool
    var word: Word?
}

enum RedirOp: UInt8 { case input, output, append, clobber, readWrite, dupInput, dupOutput, hereDoc }

final class Redirection {
    let fd: Int32
    let op: RedirOp
    var target: Word
    /// Here-documents: the body, expanded unless the delimiter was quoted.
    var hereBody: Word? = nil
    var hereQuoted = false
    init(fd: Int32, op: RedirOp, target: Word) { self.fd = fd; self.op = op; self.target = target }
}

struct Assignment {
    let name: String
    let value: Word
}

final class SimpleCommand {
    var assignments: [Assignment] = []
    var words: [Word] = []
    var redirections: [Redirection] = []
    var line: Int = 0
    /// The last command name evaluated and its builtinIndex (eval's cache).
    var cachedName: String? = nil
    var cachedBuiltin: Int? = nil
}

final class CaseItem {
    var patterns: [Word] = []
    var body: Node?
    /// `;&` fall-through is not POSIX-2017; only `;;`.
}

indirect enum Node {
    case simple(SimpleCommand)
    case pipeline([Node], negated: Bool)
    /// `a && b || c ...`: a flat list (evaluated left to right; `true` in
    /// `rest` means `&&`), so a script's chain length never becomes the depth
    /// of a recursion in eval or in the tree's release.
    case andOr(Node, [(and: Bool, node: Node)])
    case sequence([Node])
    case background(Node)
    case subshell(Node, [Redirection])
    case group(Node, [Redirection])
    case ifClause(condition: Node, then: Node, otherwise: Node?, [Redirection])
    case loop(condition: Node, body: Node, until: Bool, [Redirection])
    case forLoop(name: String, words: [Word]?, body: Node, [Redirection], line: Int)
    case caseClause(Word, [CaseItem], [Redirection])
    case function(name: String, body: Node, line: Int)
    case empty
}
