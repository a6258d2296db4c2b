import ToolboxFormats
import ToolboxSystem
import ToolboxProc

// Formatting shared by ls, stat and find: mode strings, GNU human sizes,
// local times, shell quoting. Outputs follow GNU coreutils in the C locale.

/// `drwxr-xr-x`: the file type letter and the nine permission letters with
/// setuid/setgid (`s`/`S`) and sticky (`t`/`T`), as ls -l and stat %A.
public func modeString(_ mode: UInt32) -> [UInt8] {
    var s = [UInt8](repeating: 0x2D, count: 10)
    modeString(mode, into: &s)
    return s
}

@inline(__always)
public func modeString(_ mode: UInt32, into s: inout [UInt8]) {
    switch mode & 0o170000 {
    case 0o040000: s[0] = 0x64      // d
    case 0o120000: s[0] = 0x6C      // l
    case 0o020000: s[0] = 0x63      // c
    case 0o060000: s[0] = 0x62      // b
    case 0o010000: s[0] = 0x70      // p
    case 0o140000: s[0] = 0x73      // s
    case 0o100000: s[0] = 0x2D
    default: s[0] = 0x3F            // ?
    }
    let r: UInt8 = 0x72, w: UInt8 = 0x77, x: UInt8 = 0x78, dash: UInt8 = 0x2D
    s[1] = mode & 0o400 != 0 ? r : dash
    s[2] = mode & 0o200 != 0 ? w : dash
    s[3] = mode & 0o4000 != 0 ? (mode & 0o100 != 0 ? 0x73 : 0x53) : (mode & 0o100 != 0 ? x : dash)
    s[4] = mode & 0o040 != 0 ? r : dash
    s[5] = mode & 0o020 != 0 ? w : dash
    s[6] = mode & 0o2000 != 0 ? (mode & 0o010 != 0 ? 0x73 : 0x53) : (mode & 0o010 != 0 ? x : dash)
    s[7] = mode & 0o004 != 0 ? r : dash
    s[8] = mode & 0o002 != 0 ? w : dash
    s[9] = mode & 0o1000 != 0 ? (mode & 0o001 != 0 ? 0x74 : 0x54) : (mode & 0o001 != 0 ? x : dash)
}

/// GNU human_readable with human_ceiling | human_autoscale | base 1024 and
/// no "B"/"i" suffix, as `ls -h` prints sizes: 1023, 1.0K, 1.5K, 10K, 1.1M.
/// `value` is in units of `unit` bytes (512 for block counts).
/// With `base` 1000 (ls --si) the powers are of 1000 and kilo is `k`.
public func humanSize(_ value: UInt64, unit: UInt64 = 1, base: UInt64 = 1024) -> String {
    // Work in bytes with exact remainders (values fit: sizes < 2^63).
    var amt = value &* unit
    if value != 0 && amt / value != unit { amt = UInt64.max }
    var tenths: UInt64 = 0, rounding: UInt64 = 0, exponent = 0
    let suffixes: [Character] = ["K", "M", "G", "T", "P", "E", "Z", "Y"]
    var out = ""
    if amt >= base {
        repeat {
            let r10 = (amt % base) * 10 + tenths
            let r2 = (r10 % base) * 2 + (rounding >> 1)
            amt /= base
            tenths = r10 / base
            rounding = r2 < base ? (r2 != 0 ? 1 : 0) : 2 + (base < r2 ? 1 : 0)
            exponent += 1
        } while base <= amt && exponent < 8
        if amt < 10 {
            if rounding > 0 {
                tenths += 1; rounding = 0
                if tenths == 10 { amt += 1; tenths = 0 }
            }
            if amt < 10 {
                out = "." + String(tenths)
                tenths = 0; rounding = 0
            }
        }
    }
    if tenths + rounding > 0 {
        amt += 1
        if amt == base && exponent < 8 {
            exponent += 1
            out = ".0"
            amt = 1
        }
    }
    var s = String(amt) + out
    if exponent > 0 { s.append(base == 1000 && exponent == 1 ? "k" : suffixes[exponent - 1]) }
    return s
}

/// Local broken-down time (localtime_r(3); TZ and /etc/localtime apply),
/// or nil when the year does not fit (|seconds| beyond about 6.7e16).
public func localTime(_ seconds: Int64) -> tm? {
    var t = time_t(seconds)
    var result = tm()
    guard localtime_r(&t, &result) != nil else { return nil }
    return result
}

/// The calendar year of a broken-down time. `tm_year + 1900` in Int32
/// overflows (a trap) for years past Int32.max, which tmpfs timestamps and
/// tar headers can reach.
@inline(__always) public func calendarYear(_ t: tm) -> Int { Int(t.tm_year) + 1900 }

private let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

@inline(__always) private func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// GNU stat's timestamp: `2026-11-29 03:36:39.900815045 +0000`.
/// When localtime fails, GNU prints the seconds: `-67768100000000000.000000000`.
public func statTimestamp(seconds: Int64, nanoseconds: Int) -> String {
    var ns = String(nanoseconds)
    if ns.count < 9 { ns = String(repeating: "0", count: 9 - ns.count) + ns }
    guard let t = localTime(seconds) else { return "\(seconds).\(ns)" }
    let off = Int(t.tm_gmtoff)
    let sign = off < 0 ? "-" : "+"
    let a = abs(off) / 60
    let zone = sign + two(Int32(a / 60)) + two(Int32(a % 60))
    return "\(calendarYear(t))-\(two(t.tm_mon + 1))-\(two(t.tm_mday)) \(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)).\(ns) \(zone)"
}

/// ls -l dates: `Nov 29 03:34` when recent, `Nov 29  2025` otherwise
/// (GNU: recent = within the last six months, i.e. half of 31556952 s,
/// and not in the future). Caches one formatted minute/day.
public final class LsDateFormatter {
    private let now: Int64
    private let sixMonthsAgo: Int64
    private var lastKey: Int64 = .min
    private var lastRecent = false
    private var last: [UInt8] = []

    public init(now: Int64) {
        self.now = now
        sixMonthsAgo = now - 31556952 / 2
    }

    /// The 12 bytes for `seconds` (nanoseconds only decide "in the future").
    public func format(seconds: Int64, nanoseconds: Int, currentNanoseconds: Int = 0) -> [UInt8] {
        let recent = seconds > sixMonthsAgo && (seconds < now || (seconds == now && nanoseconds <= currentNanoseconds))
        // Same minute and same class: reuse (timezone offsets change on whole minutes).
        let key = seconds >= 0 ? seconds / 60 : (seconds - 59) / 60
        if key == lastKey && recent == lastRecent { return last }
        var s: String
        if let t = localTime(seconds) {
            s = monthNames[Int(t.tm_mon) % 12] + " " + (t.tm_mday < 10 ? " " : "") + String(t.tm_mday) + " "
            // GNU's "%b %e  %Y": two spaces before the year, whatever its width.
            s += recent ? two(t.tm_hour) + ":" + two(t.tm_min) : " " + String(calendarYear(t))
        } else {
            s = String(seconds)   // GNU prints the seconds when localtime fails
        }
        lastKey = key; lastRecent = recent; last = Array(s.utf8)
        return last
    }
}

/// Quotes a file name as GNU stat's %N does with the default shell-escape
/// style: unchanged when it needs no quoting, else in single quotes.
public func shellQuoted(_ name: String) -> String {
    if name.isEmpty { return "''" }
    let safe = name.utf8.allSatisfy { c in
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c >= 0x80 ||
        c == 0x2D || c == 0x2E || c == 0x2F || c == 0x5F || c == 0x2B || c == 0x2C || c == 0x3A || c == 0x40 ||
        c == 0x25 || c == 0x3D || c == 0x5E
    }
    if safe { return name }
    if !name.contains("'") { return "'" + name + "'" }
    return "'" + name.replacingAll("'", with: "'\\''") + "'"
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        let u = Array(self.utf8)
        guard t.count <= u.count else { return nil }
        var i = 0
        while i + t.count <= u.count {
            if u[i..<(i + t.count)].elementsEqual(t) {
                let lo = utf8.index(startIndex, offsetBy: i)
                let hi = utf8.index(lo, offsetBy: t.count)
                return lo..<hi
            }
            i += 1
        }
        return nil
    }
}

/// The current time as (seconds, nanoseconds) from CLOCK_REALTIME.
public func currentTime() -> (Int64, Int) {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return (Int64(ts.tv_sec), Int(ts.tv_nsec))
}
