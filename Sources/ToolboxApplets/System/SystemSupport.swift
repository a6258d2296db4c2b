import ToolboxCore

// Shared by the system and process applets (seq, env, kill, pgrep, ...):
// GNU-style usage errors and option scanning that stops at the first
// operand, for tools whose operands may start with `-` (negative numbers,
// commands to run).

extension AppletSpec {
    /// Parses `args`; a usage error keeps its message but exits with `code`
    /// (coreutils tools exit 1 on a bad option, env 125, procps 2).
    func parse(_ args: [String], usageExit code: Int32) throws(ToolError) -> ParsedArguments {
        do { return try parse(args) } catch {
            // GNU getopt does not name the argument: "option requires an argument -- 'u'".
            var m = error.message
            if m.hasPrefix("option requires an argument -- "), let open = m.firstIndex(of: "("), let close = m.firstIndex(of: "\n"),
               open < close {
                m = String(m[..<m.index(before: open)]) + String(m[close...])
            }
            throw ToolError(exitCode: code, message: m)
        }
    }

    /// `parse(_:usageExit:)` for an applet that takes no operands: the first
    /// one is GNU's "extra operand" usage error.
    func parseNoOperands(_ args: [String], usageExit code: Int32) throws(ToolError) -> ParsedArguments {
        let p = try parse(args, usageExit: code)
        if let extra = p.operands.first { throw usageError("extra operand '\(extra)'", exit: code) }
        return p
    }

    /// A usage error with the help hint and the given exit code.
    func usageError(_ message: String, exit code: Int32) -> ToolError {
        ToolError(exitCode: code, message: usageError(message).message)
    }

    /// Splits `args` at the first operand (getopt's `+` mode: no
    /// permutation), or at the first argument `stop` accepts (seq's
    /// negative numbers). Option values (`-f X`, `--format X`) are kept
    /// with their option. `--` is dropped and ends the options.
    func splitAtFirstOperand(_ args: [String], stop: (String) -> Bool = { _ in false }) -> (options: [String], operands: [String]) {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { return (Array(args[..<i]), Array(args[(i + 1)...])) }
            if a == "-" || !a.hasPrefix("-") || stop(a) { break }
            i += 1
            if a.hasPrefix("--") {
                let name = a.dropFirst(2)
                if name.firstIndex(of: "=") != nil { continue }
                let matches = options.filter { $0.long.map { $0.hasPrefix(name) } ?? false }
                if let o = matches.first(where: { $0.long! == name }) ?? (matches.count == 1 ? matches[0] : nil),
                   o.argument != nil { i += 1 }
                continue
            }
            // A short cluster: the first letter taking a value consumes the rest, or the next argument.
            var rest = a.dropFirst()
            while let c = rest.first {
                rest = rest.dropFirst()
                if let o = options.first(where: { $0.short == c }), o.argument != nil {
                    if rest.isEmpty { i += 1 }
                    break
                }
            }
        }
        return (Array(args[..<min(i, args.count)]), Array(args[min(i, args.count)...]))
    }
}

/// True for `-5`, `-.5`: a negative number, not an option (GNU seq's test).
func looksNegativeNumber(_ s: String) -> Bool {
    let u = Array(s.utf8.prefix(2))
    return u.count == 2 && u[0] == 0x2D && (u[1] == 0x2E || ASCII.isDigit(u[1]))
}

/// The kernel's utsname fields, as Strings.
struct UnameInfo {
    var sysname = "", nodename = "", release = "", version = "", machine = ""

    init() {
        var u = utsname()
        guard uname(&u) == 0 else { return }
        func s<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { raw in
                let b = raw.bindMemory(to: UInt8.self)
                let n = b.firstIndex(of: 0) ?? b.count
                return String(decoding: UnsafeBufferPointer(rebasing: b[..<n]), as: UTF8.self)
            }
        }
        sysname = s(&u.sysname); nodename = s(&u.nodename); release = s(&u.release)
        version = s(&u.version); machine = s(&u.machine)
    }
}


/// GNU human_readable with human_autoscale | human_base_1024 and ceiling
/// rounding (df -h, du -h): `0`, `512`, `4.0K`, `7.9G`, `251G`.
func humanCeiling(_ value: UInt64) -> String {
    if value < 1024 { return String(value) }
    let suffixes: [String] = ["K", "M", "G", "T", "P", "E"]
    var amt = value
    var tenths: UInt64 = 0
    var rounding: UInt64 = 0     // 0 exact, else something was dropped
    var exponent = 0
    repeat {
        let r10 = (amt % 1024) * 10 + tenths
        let r2 = (r10 % 1024) * 2 + (rounding >> 1)
        amt /= 1024
        tenths = r10 / 1024
        rounding = r2 < 1024 ? (r2 != 0 ? 1 : 0) : 2 + (1024 < r2 ? 1 : 0)
        exponent += 1
    } while amt >= 1024 && exponent < suffixes.count
    var text = ""
    if amt < 10 {
        if rounding > 0 { tenths += 1; rounding = 0; if tenths == 10 { amt += 1; tenths = 0 } }
        if amt < 10 {
            text = "\(amt).\(tenths)"
            return text + suffixes[exponent - 1]
        }
    }
    if tenths + rounding > 0 {
        amt += 1
        if amt == 1024 && exponent < suffixes.count { return "1.0" + suffixes[exponent] }
    }
    return "\(amt)" + suffixes[exponent - 1]
}

/// ceil(a / b).
@inline(__always) func ceilDiv(_ a: UInt64, _ b: UInt64) -> UInt64 { a / b + (a % b != 0 ? 1 : 0) }
