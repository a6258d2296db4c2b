import ToolboxCore

/// Signal names as procps (kill -l, pkill -SIGNAL) prints and accepts
/// them: the 31 standard Linux signals, indexed by number - 1 (signal(7),
/// x86/arm numbering). IOT, CLD and IO are accepted as aliases; RTMIN,
/// RTMIN+N and RTMAX name the real-time signals.
enum Signals {
    static let names: [StaticString] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "POLL", "PWR", "SYS",
    ]
    static let aliases: [(StaticString, Int32)] = [("IOT", 6), ("CLD", 17), ("IO", 29)]

    /// The name of signal `n` (1...31), without SIG.
    static func name(_ n: Int32) -> String? {
        n >= 1 && Int(n) <= names.count ? names[Int(n) - 1].description : nil
    }

    /// A signal from `KILL`, `SIGKILL`, `kill`, `RTMIN+2` or (with
    /// `numbers`) `9`; nil when it names none.
    /// `kill -l NAME` knows only the 31 names (no aliases, no RTMIN).
    static func number(_ text: String, numbers: Bool = true, standardOnly: Bool = false) -> Int32? {
        if numbers, !text.isEmpty, text.utf8.allSatisfy(ASCII.isDigit) { return Int32(text) }
        var s = text.uppercased()
        if s.hasPrefix("SIG") { s.removeFirst(3) }
        for (i, n) in names.enumerated() where n.description == s { return Int32(i + 1) }
        if standardOnly { return nil }
        for (n, v) in aliases where n.description == s { return v }
        let rtmin = cshim_sigrtmin(), rtmax = cshim_sigrtmax()
        if s == "RTMIN" { return rtmin }
        if s == "RTMAX" { return rtmax }
        if s.hasPrefix("RTMIN+"), let k = Int32(s.dropFirst(6)), k >= 0, rtmin + k <= rtmax { return rtmin + k }
        return nil
    }

    /// `kill -l`: names separated by spaces, a new line once past column 73 (procps unix_print_signals).
    static func writeList(_ out: OutputWriter) {
        var pos = 0
        for (i, n) in names.enumerated() {
            if i > 0 {
                if pos > 73 { out.byte(ASCII.newline); pos = 0 } else { out.byte(ASCII.space); pos += 1 }
            }
            out.write(n); pos += n.utf8CodeUnitCount
        }
        out.byte(ASCII.newline)
    }

    /// `kill -L`: `%2d %-8s`, seven to a line (procps pretty_print_signals).
    static func writeTable(_ out: OutputWriter) {
        for (i, n) in names.enumerated() {
            out.decimal(i + 1, width: 2)
            out.byte(ASCII.space)
            out.write(n)
            if (i + 1) % 7 != 0 { out.repeatByte(ASCII.space, 8 - n.utf8CodeUnitCount) } else { out.byte(ASCII.newline) }
        }
        if names.count % 7 != 0 { out.byte(ASCII.newline) }
    }
}
