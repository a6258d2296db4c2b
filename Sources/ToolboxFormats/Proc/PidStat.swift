/// /proc/PID/stat (proc(5)): one line, `pid (comm) state ppid ...`. The
/// command name may contain spaces and parentheses (`a) (b`), so the line
/// is split at the LAST `)`. Fields after `rss` (field 24) are optional:
/// `processor` (39) arrived in 2.2.8, `rt_priority`/`policy` (40, 41) in
/// 2.5.19. Parsing never traps: truncated or garbage input gives nil.
public struct PidStat: Equatable, Sendable {
    public var pid: Int32 = 0
    /// Byte range of the command name inside the parsed buffer (no String
    /// is built on the hot path); see `comm(in:)`.
    public var commStart: Int = 0
    public var commCount: Int = 0
    public var state: UInt8 = 0x3F          // '?'
    public var ppid: Int32 = 0
    public var pgrp: Int32 = 0
    public var session: Int32 = 0
    public var ttyNr: Int32 = 0
    public var tpgid: Int32 = 0
    public var flags: UInt64 = 0
    public var utime: UInt64 = 0
    public var stime: UInt64 = 0
    public var cutime: Int64 = 0
    public var cstime: Int64 = 0
    public var priority: Int64 = 0
    public var nice: Int64 = 0
    public var numThreads: Int64 = 0
    /// Clock ticks after boot.
    public var startTime: UInt64 = 0
    /// Bytes.
    public var vsize: UInt64 = 0
    /// Pages.
    public var rss: Int64 = 0
    public var processor: Int64 = 0
    public var rtPriority: Int64 = 0
    /// SCHED_* policy, -1 when the kernel does not report it.
    public var policy: Int64 = -1

    public init() {}

    /// PF_KTHREAD in `flags` (include/linux/sched.h).
    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    /// The command name as text (cold paths and tests).
    public func comm(in bytes: Bytes) -> String {
        guard commStart >= 0, commStart + commCount <= bytes.count else { return "" }
        return Bytes(rebasing: bytes[commStart..<(commStart + commCount)]).string
    }

    /// Parses the text of /proc/PID/stat. The numbers are read by
    /// `StatCursor` (ByteScanner's rules, inlined: top and ps parse one
    /// stat per process, twice per frame in top, and ByteScanner's calls
    /// were four fifths of the parse). Tests/ToolboxTests keeps the
    /// ByteScanner version as the reference it is checked against.
    public static func parse(_ bytes: Bytes) -> PidStat? {
        guard let open = bytes.firstIndex(of: ASCII.openParen),
              let close = bytes.lastIndex(of: ASCII.closeParen), close > open else { return nil }
        var s = PidStat()
        var head = StatCursor(bytes, 0, end: open)
        guard let pid = head.int(), let p32 = Int32(exactly: pid), p32 > 0 else { return nil }
        s.pid = p32
        s.commStart = open + 1
        s.commCount = close - open - 1
        var sc = StatCursor(bytes, close + 1, end: bytes.count)
        sc.blanks()
        guard sc.i < sc.n else { return nil }
        s.state = bytes[sc.i]
        sc.i += 1
        // Fields 4..24 are required.
        guard let ppid = sc.int(), let pgrp = sc.int(), let session = sc.int(),
              let tty = sc.int(), let tpgid = sc.int(), let flags = sc.uint() else { return nil }
        s.ppid = Int32(truncatingIfNeeded: ppid); s.pgrp = Int32(truncatingIfNeeded: pgrp)
        s.session = Int32(truncatingIfNeeded: session); s.ttyNr = Int32(truncatingIfNeeded: tty)
        s.tpgid = Int32(truncatingIfNeeded: tpgid); s.flags = flags
        for _ in 0..<4 { guard sc.uint() != nil else { return nil } }   // minflt cminflt majflt cmajflt
        guard let ut = sc.uint(), let st = sc.uint(), let cut = sc.int(), let cst = sc.int(),
              let prio = sc.int(), let ni = sc.int(), let nth = sc.int(), sc.int() != nil,
              let start = sc.uint(), let vsize = sc.uint(), let rss = sc.int() else { return nil }
        s.utime = ut; s.stime = st; s.cutime = cut; s.cstime = cst
        s.priority = prio; s.nice = ni; s.numThreads = nth; s.startTime = start
        s.vsize = vsize; s.rss = rss
        // Optional tail: skip fields 25..38, then processor, rt_priority, policy.
        for _ in 25...38 { guard sc.field() else { return s } }
        guard let cpu = sc.int() else { return s }
        s.processor = cpu
        guard let rtp = sc.int() else { return s }
        s.rtPriority = rtp
        guard let pol = sc.int() else { return s }
        s.policy = pol
        return s
    }
}

/// ByteScanner's blank, field and number rules for PidStat.parse, every
/// step inlined, and the first 19 digits of a number (which cannot
/// overflow UInt64) accumulated without overflow checks.
struct StatCursor {
    let p: Bytes
    var i: Int
    let n: Int

    @inline(__always) init(_ p: Bytes, _ i: Int, end: Int) { self.p = p; self.i = i; n = end }

    /// Spaces and tabs.
    @inline(__always) mutating func blanks() {
        while i < n { let c = p[i]; if c != ASCII.space && c != ASCII.tab { break }; i += 1 }
    }

    /// ByteScanner.uint: blanks, then decimal digits; nil on none or overflow.
    @inline(__always) mutating func uint() -> UInt64? {
        blanks()
        let start = i
        var v: UInt64 = 0
        while i < n {
            let d = p[i] &- ASCII.zero
            if d > 9 { break }
            if i &- start < 19 {
                v = v &* 10 &+ UInt64(d)
            } else {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(d))
                if o1 || o2 { return nil }
                v = a
            }
            i += 1
        }
        return i > start ? v : nil
    }

    /// ByteScanner.int: blanks, an optional '-', then uint's rules.
    @inline(__always) mutating func int() -> Int64? {
        blanks()
        var neg = false
        if i < n, p[i] == 0x2D { neg = true; i += 1 }
        guard let v = uint() else { return nil }
        if neg { return v <= UInt64(Int64.max) + 1 ? (v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)) : nil }
        return v <= UInt64(Int64.max) ? Int64(v) : nil
    }

    /// ByteScanner.field, without the bytes: false when no field is left
    /// before the next space, tab, newline or CR.
    @inline(__always) mutating func field() -> Bool {
        blanks()
        let start = i
        while i < n, !ASCII.isSpace(p[i]) { i += 1 }
        return i > start
    }
}
