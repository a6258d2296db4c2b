/// The aggregate `cpu` line of /proc/stat (show_stat in fs/proc/stat.c,
/// proc(5)): user nice system idle iowait irq softirq steal [guest
/// guest_nice], in clock ticks. Fields a kernel lacks stay 0.
public struct CpuTimes: Equatable, Sendable {
    public var user: UInt64 = 0, nice: UInt64 = 0, system: UInt64 = 0, idle: UInt64 = 0
    public var iowait: UInt64 = 0, irq: UInt64 = 0, softirq: UInt64 = 0, steal: UInt64 = 0

    public init() {}

    public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }

    /// The first line starting `cpu ` of /proc/stat; nil when there is none.
    public static func parse(_ bytes: Bytes) -> CpuTimes? {
        var s = ByteScanner(bytes)
        while !s.atEnd {
            let line = s.upTo(ASCII.newline)
            if s.position < bytes.count { s.position += 1 }
            guard line.count > 4, line[0] == 0x63, line[1] == 0x70, line[2] == 0x75, line[3] == ASCII.space else { continue }
            var l = ByteScanner(Bytes(rebasing: line[4...]))
            var v = [UInt64](repeating: 0, count: 8)
            for i in 0..<8 { guard let n = l.uint() else { break }; v[i] = n }
            var c = CpuTimes()
            c.user = v[0]; c.nice = v[1]; c.system = v[2]; c.idle = v[3]
            c.iowait = v[4]; c.irq = v[5]; c.softirq = v[6]; c.steal = v[7]
            return c
        }
        return nil
    }
}
