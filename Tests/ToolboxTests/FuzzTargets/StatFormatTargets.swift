import ToolboxCore
@testable import ToolboxApplets

/// stat's format language (`-c`, `--printf`, `-f -c`): the parser, every
/// directive's printf rendering with fixed values, the %N quoting of the
/// input as a name, and the applet itself on a scratch file (stderr and exit
/// code: warnings, invalid directives). Inputs with a width or precision
/// of 5+ digits are not rendered (GNU would print that many spaces too).
let statformatFuzzTarget = FuzzTarget(name: "statformat", seeds: []) { data in
    let bytes = Array(data)
    var r = ""
    var huge = false, run = 0
    for c in bytes { run = ASCII.isDigit(c) ? run + 1 : 0; if run >= 5 { huge = true } }
    for (escapes, fs) in [(false, false), (true, false), (true, true)] {
        let pieces = parseStatFormat(bytes, escapes: escapes, fileSystem: fs)
        var n = 0
        for p in pieces {
            guard case .directive(let d) = p else { continue }
            precondition(d.prefix.first == 0x25, "a directive starts with %")
            if huge { continue }
            n += printfString(d.prefix, Array("name".utf8)).bytes.count
            n += printfInteger(d.prefix[...], 1234, negative: true, as: .signed).bytes.count
            n += printfInteger(d.prefix[...], 0, as: .octal).bytes.count
            n += printfInteger(d.prefix[...], .max, as: .hex).bytes.count
            n += printfEpoch(d.prefix, seconds: -1, nanoseconds: 999_999_999).reduce(0) { $0 + $1.bytes.count }
        }
        r += "pieces=\(pieces.count) bytes=\(n) "
    }
    let q = shellEscapeAlwaysQuoted(bytes), qf = shellEscapeQuoted(bytes)
    precondition(q.first == 0x27 || q.first == 0x22, "quoted")
    r += "quoted=\(q.count) quotef=\(qf.count)"
    if !huge, !bytes.contains(0) {
        FuzzScratch.write("statformat/f", "x")
        let f = "\(FuzzScratch.root)/statformat/f"
        let s = String(decoding: bytes, as: UTF8.self)
        r += " " + fuzzDispatch(["stat", "--printf", s, f]) + " " + fuzzDispatch(["stat", "-f", "-c", s, f])
    }
    return r
}
