/// The cgroup control files `inspect` reads (Documentation/admin-guide/
/// cgroup-v2.rst, cgroup-v1/memory.rst, scheduler/sched-bwc.rst), in three
/// shapes:
///   one value   v2 memory.max/current/peak, pids.max/current, v1
///               memory.limit_in_bytes/usage_in_bytes/max_usage_in_bytes,
///               cpu.cfs_quota_us/cfs_period_us: `N`, `max` (v2) or `-1`
///               (v1 quota), and v1's "no limit" 9223372036854771712
///               (PAGE_COUNTER_MAX pages, rounded), all read as unlimited;
///   keyed       v2 memory.events/stat, cpu.stat, pids.events, v1
///               memory.stat, memory.oom_control, cpu.stat: `key N` lines;
///   cpu.max     v2 `QUOTA PERIOD`, QUOTA `max` when unlimited.
public enum CgroupValue: Equatable, Sendable {
    case unlimited
    case value(UInt64)

    public var number: UInt64? { if case .value(let v) = self { return v }; return nil }

    /// Values at or above this are v1's "no limit" (memory: LONG_MAX rounded
    /// down to a page; kmem and memsw likewise).
    public static let v1Unlimited: UInt64 = 1 << 62

    /// Nil when the text is neither a number, `max` nor `-1`.
    public static func parse(_ bytes: Bytes) -> CgroupValue? {
        var s = ByteScanner(bytes)
        guard let f = s.field(), s.field() == nil else { return nil }
        if f.equals("max") || f.equals("-1") { return .unlimited }
        guard let v = f.decimalValue else { return nil }
        return v >= v1Unlimited ? .unlimited : .value(v)
    }
}

/// A flat keyed cgroup file: `key N` per line, in file order. Unknown keys
/// are kept; lines that do not parse are skipped.
public struct CgroupKeyed: Equatable, Sendable {
    public var keys: [String] = []
    public var values: [UInt64] = []
    public init() {}

    public subscript(_ key: String) -> UInt64? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    public static func parse(_ bytes: Bytes) -> CgroupKeyed {
        var out = CgroupKeyed()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            var line = ByteScanner(scanner.upTo(ASCII.newline))
            guard let k = line.field(), let v = line.uint() else { continue }
            out.keys.append(k.string); out.values.append(v)
        }
        return out
    }
}

/// v2 cpu.max: `$MAX $PERIOD` (microseconds), `max 100000` when unlimited.
public struct CpuMax: Equatable, Sendable {
    /// nil: no quota.
    public var quotaMicros: UInt64?
    public var periodMicros: UInt64
    public init(quotaMicros: UInt64?, periodMicros: UInt64) { self.quotaMicros = quotaMicros; self.periodMicros = periodMicros }

    /// The quota in cores (quota / period), nil when unlimited.
    public var cores: Double? {
        guard let q = quotaMicros, periodMicros > 0 else { return nil }
        return Double(q) / Double(periodMicros)
    }

    public static func parse(_ bytes: Bytes) -> CpuMax? {
        var s = ByteScanner(bytes)
        guard let q = s.field(), let p = s.field(), let period = p.decimalValue else { return nil }
        if q.equals("max") { return CpuMax(quotaMicros: nil, periodMicros: period) }
        guard let quota = q.decimalValue else { return nil }
        return CpuMax(quotaMicros: quota, periodMicros: period)
    }
}

/// /proc/PID/cgroup (cgroups(7)) as a list: `hierarchy-ID:controllers:path`.
/// v2 is the line `0::/path`; a v1 line names its controllers
/// (`4:memory:/x`, `2:cpu,cpuacct:/x`, `9:name=systemd:/`). A hybrid system
/// has both. See `ContainerRef` for the container id in these paths.
public struct PidCgroup: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var hierarchy: Int
        /// Empty for the v2 line.
        public var controllers: [String]
        public var path: String
        public var isV2: Bool { hierarchy == 0 && controllers.isEmpty }
    }
    public var entries: [Entry] = []
    public init() {}

    /// The v1 entry that has `controller`, if any.
    public func v1(_ controller: String) -> Entry? {
        entries.first { !$0.isV2 && $0.controllers.contains(controller) }
    }
    /// The v2 entry, if any.
    public var v2: Entry? { entries.first { $0.isV2 } }

    public static func parse(_ bytes: Bytes) -> PidCgroup {
        var out = PidCgroup()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            var f = ByteScanner(line)
            let hid = f.upTo(ASCII.colon)
            let ctl = f.upTo(ASCII.colon)
            guard let h = hid.decimalValue, h < 1 << 31, f.position <= line.count,
                  line.firstIndex(of: ASCII.colon) != nil else { continue }
            let path = f.remaining
            guard path.first == 0x2F else { continue }
            out.entries.append(Entry(hierarchy: Int(h),
                                     controllers: ctl.isEmpty ? [] : ctl.string.split(separator: ",").map(String.init),
                                     path: path.string))
        }
        return out
    }
}
