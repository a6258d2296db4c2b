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
        parseAll(bytes, perCPU: false).first
    }

    /// The `cpu ` line, then (with `perCPU`) each `cpuN` line in file order.
    public static func parseAll(_ bytes: Bytes, perCPU: Bool = true) -> [CpuTimes] {
        var s = ByteScanner(bytes)
        var all: [CpuTimes] = []
        while !s.atEnd {
            let line = s.upTo(ASCII.newline)   // consumes the newline
            guard line.count > 4, line[0] == 0x63, line[1] == 0x70, line[2] == 0x75 else { continue }
            if line[3] == ASCII.space ? !all.isEmpty : (!perCPU || all.isEmpty || !ASCII.isDigit(line[3])) { continue }
            var l = ByteScanner(Bytes(rebasing: line[3...]))
            if line[3] != ASCII.space { _ = l.uint() }
            var v = [UInt64](repeating: 0, count: 8)
            for i in 0..<8 { guard let n = l.uint() else { break }; v[i] = n }
            var c = CpuTimes()
            c.user = v[0]; c.nice = v[1]; c.system = v[2]; c.idle = v[3]
            c.iowait = v[4]; c.irq = v[5]; c.softirq = v[6]; c.steal = v[7]
            all.append(c)
            if !perCPU { break }
        }
        return all
    }
}
