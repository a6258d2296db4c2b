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

    /// Parses the text of /proc/PID/stat.
    public static func parse(_ bytes: Bytes) -> PidStat? {
        guard let open = bytes.firstIndex(of: ASCII.openParen),
              let close = bytes.lastIndex(of: ASCII.closeParen), close > open else { return nil }
        var s = PidStat()
        var head = ByteScanner(Bytes(rebasing: bytes[..<open]))
        guard let pid = head.int(), let p32 = Int32(exactly: pid), p32 > 0 else { return nil }
        s.pid = p32
        s.commStart = open + 1
        s.commCount = close - open - 1
        var sc = ByteScanner(bytes, position: close + 1)
        sc.skipSpaces()
        guard sc.position < bytes.count else { return nil }
        s.state = bytes[sc.position]
        sc.position += 1
        // Fields 4..24 are required.
        guard let ppid = sc.int32(), let pgrp = sc.int32(), let session = sc.int32(),
              let tty = sc.int32(), let tpgid = sc.int32(), let flags = sc.uint() else { return nil }
        s.ppid = ppid; s.pgrp = pgrp; s.session = session; s.ttyNr = tty; s.tpgid = tpgid; s.flags = flags
        for _ in 0..<4 { guard sc.uint() != nil else { return nil } }   // minflt cminflt majflt cmajflt
        guard let ut = sc.uint(), let st = sc.uint(), let cut = sc.int(), let cst = sc.int(),
              let prio = sc.int(), let ni = sc.int(), let nth = sc.int(), sc.int() != nil,
              let start = sc.uint(), let vsize = sc.uint(), let rss = sc.int() else { return nil }
        s.utime = ut; s.stime = st; s.cutime = cut; s.cstime = cst
        s.priority = prio; s.nice = ni; s.numThreads = nth; s.startTime = start
        s.vsize = vsize; s.rss = rss
        // Optional tail: skip fields 25..38, then processor, rt_priority, policy.
        for _ in 25...38 { guard sc.field() != nil else { return s } }
        guard let cpu = sc.int() else { return s }
        s.processor = cpu
        guard let rtp = sc.int() else { return s }
        s.rtPriority = rtp
        guard let pol = sc.int() else { return s }
        s.policy = pol
        return s
    }
}

extension ByteScanner {
    @inline(__always) mutating func int32() -> Int32? {
        guard let v = int() else { return nil }
        return Int32(truncatingIfNeeded: v)
    }
}

