import ToolboxCore

/// PidStat.parse as it was before StatCursor (session 8): every field read
/// through ByteScanner. The fast parser must agree with it on every input
/// (PidStatTests.testFastParserAgreesWithTheReference, the stat fuzz target).
enum PidStatReference {
    static func parse(_ bytes: Bytes) -> PidStat? {
        guard let open = bytes.firstIndex(of: ASCII.openParen),
              let close = bytes.lastIndex(where: { $0 == ASCII.closeParen }), close > open else { return nil }
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
        func i32(_ v: Int64?) -> Int32? { v.map { Int32(truncatingIfNeeded: $0) } }
        guard let ppid = i32(sc.int()), let pgrp = i32(sc.int()), let session = i32(sc.int()),
              let tty = i32(sc.int()), let tpgid = i32(sc.int()), let flags = sc.uint() else { return nil }
        s.ppid = ppid; s.pgrp = pgrp; s.session = session; s.ttyNr = tty; s.tpgid = tpgid; s.flags = flags
        for _ in 0..<4 { guard sc.uint() != nil else { return nil } }
        guard let ut = sc.uint(), let st = sc.uint(), let cut = sc.int(), let cst = sc.int(),
              let prio = sc.int(), let ni = sc.int(), let nth = sc.int(), sc.int() != nil,
              let start = sc.uint(), let vsize = sc.uint(), let rss = sc.int() else { return nil }
        s.utime = ut; s.stime = st; s.cutime = cut; s.cstime = cst
        s.priority = prio; s.nice = ni; s.numThreads = nth; s.startTime = start
        s.vsize = vsize; s.rss = rss
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
