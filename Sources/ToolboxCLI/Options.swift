import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// One row of an applet's option table. The same table parses the command
/// line and generates `--help` (swift-argument-parser's rule: declare once).
public struct Option: Sendable {
    public let short: Character?
    public let long: String?
    /// Placeholder for the option's argument (`"MASK"`), nil for a flag.
    public let argument: String?
    public let help: String

    /// The name a parsed value is looked up by: the long name, else the letter.
    public var key: String { long ?? String(short!) }

    public static func flag(_ short: Character?, _ long: String? = nil, _ help: String) -> Option {
        Option(short: short, long: long, argument: nil, help: help)
    }
    public static func value(_ short: Character?, _ long: String? = nil, _ argument: String, _ help: String) -> Option {
        Option(short: short, long: long, argument: argument, help: help)
    }
    /// A long option whose argument may be given inline only (`--color[=WHEN]`);
    /// without one its value is "". As a short option it takes no argument.
    public static func optionalValue(_ short: Character?, _ long: String, _ argument: String, _ help: String) -> Option {
        Option(short: short, long: long, argument: "[=" + argument + "]", help: help)
    }
}

/// An applet's declaration: name, summary, usage line(s), option table.
public struct AppletSpec: Sendable {
    public let name: String
    public let summary: String
    /// Usage synopses without the applet name, e.g. `"[--decode MASK] [PID...]"`.
    public let usage: [String]
    /// Extra paragraphs for --help (operands, examples, notes).
    public let details: String
    public let options: [Option]
    /// GNU-style: options may follow operands unless false (then the first
    /// operand ends option parsing).
    public let permute: Bool
    /// More --help text generated from another table of the applet (ps's
    /// keys), printed after the options; a function, so that nothing is
    /// built unless --help is asked for.
    public let appendix: (@Sendable () -> String)?

    public init(name: String, summary: String, usage: [String], details: String = "",
                options: [Option], permute: Bool = true, appendix: (@Sendable () -> String)? = nil) {
        self.name = name; self.summary = summary; self.usage = usage
        self.details = details; self.options = options; self.permute = permute
        self.appendix = appendix
    }

    /// Parses `arguments` (without the applet name) against the table.
    /// Short clusters (`-tulpn`), `-o VALUE`/`-oVALUE`, `--long`,
    /// `--long=VALUE`/`--long VALUE`, `--` ends options, `-` is an operand.
    public func parse(_ arguments: [String]) throws(ToolError) -> ParsedArguments {
        var result = ParsedArguments()
        var i = 0
        var onlyOperands = false
        while i < arguments.count {
            let arg = arguments[i]; i += 1
            if onlyOperands || arg == "-" || !arg.hasPrefix("-") {
                result.operands.append(arg)
                if !permute { onlyOperands = true }
                continue
            }
            if arg == "--" { onlyOperands = true; continue }
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name: Substring, inline: Substring?
                if let eq = body.firstIndex(of: "=") {
                    name = body[..<eq]; inline = body[body.index(after: eq)...]
                } else {
                    name = body; inline = nil
                }
                guard let index = longOptionIndex(String(name)) else {
                    throw .usage("unrecognized option '--\(name)'\(tryHelp)")
                }
                let opt = options[index]
                if opt.argument?.hasPrefix("[=") == true {
                    // An optional argument (`--color[=WHEN]`): only inline.
                    result.add(opt.key, inline.map { String($0) } ?? "")
                } else if let placeholder = opt.argument {
                    if let inline { result.add(opt.key, String(inline)) }
                    else if i < arguments.count { result.add(opt.key, arguments[i]); i += 1 }
                    else { throw .usage("option '--\(opt.long!)' requires an argument \(placeholder)\(tryHelp)") }
                } else {
                    if inline != nil { throw .usage("option '--\(opt.long!)' doesn't allow an argument\(tryHelp)") }
                    result.add(opt.key, nil)
                }
                continue
            }
            // A cluster of short options (iterated in place: no [Character]).
            let letters = arg.dropFirst()
            var j = letters.startIndex
            while j < letters.endIndex {
                let c = letters[j]; j = letters.index(after: j)
                guard let index = options.firstIndex(where: { $0.short == c }) else {
                    throw .usage("invalid option -- '\(c)'\(tryHelp)")
                }
                let opt = options[index]
                if let placeholder = opt.argument, !placeholder.hasPrefix("[=") {
                    if j < letters.endIndex { result.add(opt.key, String(letters[j...])) }
                    else if i < arguments.count { result.add(opt.key, arguments[i]); i += 1 }
                    else { throw .usage("option requires an argument -- '\(c)' (\(placeholder))\(tryHelp)") }
                    break
                }
                result.add(opt.key, nil)
            }
        }
        return result
    }

    /// A usage error (exit 2) that ends with the parser's "Try ... --help" hint.
    public func usageError(_ message: String) -> ToolError { .usage(message + tryHelp) }

    private var tryHelp: String { "\nTry 'toolbox \(name) --help' for more information." }

    /// Exact long name, or an unambiguous prefix (as getopt_long allows).
    /// An index, not an `Option?`: destroying an optional of a non-trivial
    /// struct instantiates Optional's metadata at run time, and the first
    /// such instantiation registers all of the stdlib's prespecialized
    /// Optionals (~35k instructions of every start-up).
    private func longOptionIndex(_ name: String) -> Int? {
        if let exact = options.firstIndex(where: { $0.long == name }) { return exact }
        var found: Int? = nil
        for (i, o) in options.enumerated() where o.long?.hasPrefix(name) ?? false {
            if found != nil { return nil }
            found = i
        }
        return name.isEmpty ? nil : found
    }

    /// The --help text, generated from the table.
    public var helpText: String {
        var s = ""
        for (n, u) in usage.enumerated() {
            let command = name == "toolbox" ? "toolbox" : "toolbox \(name)"
            s += (n == 0 ? "Usage: " : "       ") + command + (u.isEmpty ? "" : " " + u) + "\n"
        }
        s += "\n\(summary)\n"
        if !details.isEmpty { s += "\n\(details)\n" }
        var rows: [(String, String)] = []
        for o in options {
            var left = "  "
            if let c = o.short { left += "-\(c)" + (o.long != nil ? ", " : "") } else { left += "    " }
            if let l = o.long {
                left += "--\(l)" + (o.argument.map { $0.hasPrefix("[=") ? $0 : "=\($0)" } ?? "")
            }
            else if let a = o.argument { left += " \(a)" }
            rows.append((left, o.help))
        }
        rows.append(("      --help", "show this help and exit"))
        let width = min(rows.map { $0.0.count }.max() ?? 0, 30)
        s += "\nOptions:\n"
        for (left, help) in rows {
            if left.count > width { s += left + "\n" + String(repeating: " ", count: width + 2) + help + "\n" }
            else { s += left + String(repeating: " ", count: width - left.count + 2) + help + "\n" }
        }
        if let appendix { s += "\n" + appendix() }
        return s
    }
}

/// The result of parsing: each option occurrence in command-line order, and
/// the operands. Stored as a flat array rather than dictionaries: a program
/// that runs for a millisecond should not pay for the runtime's first
/// Hashable-conformance lookups (measured: ~25% of `caps --decode` start-up).
public struct ParsedArguments: Sendable {
    /// One option as given: its key and value (nil for flags). A nominal
    /// struct, not a tuple: tuple metadata is instantiated at run time.
    public struct Occurrence: Sendable { public let key: String; public let value: String? }
    /// Options in command-line order.
    public private(set) var occurrences: [Occurrence] = []
    public var operands: [String] = []

    public init() {}

    mutating func add(_ key: String, _ value: String?) { occurrences.append(Occurrence(key: key, value: value)) }

    /// Option keys in command-line order (for applets where order matters).
    public var order: [String] { occurrences.map(\.key) }
    public func has(_ key: String) -> Bool { occurrences.contains { $0.key == key } }
    public func count(_ key: String) -> Int { occurrences.reduce(0) { $0 + ($1.key == key ? 1 : 0) } }
    /// The last value given for `key`.
    public func value(_ key: String) -> String? { occurrences.last { $0.key == key && $0.value != nil }?.value }
    public func values(_ key: String) -> [String] { occurrences.compactMap { $0.key == key ? $0.value : nil } }
}
