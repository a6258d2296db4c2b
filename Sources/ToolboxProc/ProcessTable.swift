import ToolboxFormats
import ToolboxSystem

/// A snapshot of /proc for ps-like applets: one pass over the numeric
/// entries (getdents64 on a /proc dirfd), per process /proc/PID/stat (and
/// an fstat of it: its owner is the effective uid/gid) and, on request,
/// /proc/PID/cmdline, /proc/PID/status, the identity of /proc/PID/root,
/// /proc/PID/cgroup and /proc/PID/wchan. Files are opened relative to the
/// dirfd through one reused C path buffer; variable-length text (comm,
/// cmdline) goes into one byte arena, so there is no allocation per process
/// beyond amortised array growth. A process that vanishes mid-scan is
/// skipped; one whose stat does not parse is skipped too.
public final class ProcessTable {
    public struct Needs: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let cmdline = Needs(rawValue: 1)
        /// Real uid/gid and VmLck: /proc/PID/status.
        public static let status = Needs(rawValue: 2)
        /// The identity (st_dev, st_ino) of /proc/PID/root, for per-root names.
        public static let root = Needs(rawValue: 4)
        public static let cgroup = Needs(rawValue: 8)
        public static let wchan = Needs(rawValue: 16)
        /// Sizes in pages from /proc/PID/statm (top's VIRT, RES, SHR).
        public static let statm = Needs(rawValue: 32)
        /// Only /proc/PID/stat (top's first sample, for CPU ticks): no
        /// owner, comm or other file. Combine with nothing else.
        public static let statOnly = Needs(rawValue: 64)
        /// The owner of /proc/PID as the effective uid/gid, as procps top
        /// shows it: status is not read for a root-owned /proc/PID (a
        /// process that changed its uid without exec shows as root).
        public static let ownerOnly = Needs(rawValue: 128)
    }

    public struct Entry {
        public var stat: PidStat
        /// The process (thread group) id; equals stat.pid except for threads.
        public var tgid: Int32
        public var euid: UInt32 = 0, egid: UInt32 = 0
        public var ruid: UInt32 = 0, rgid: UInt32 = 0
        /// Index into `roots`, or -1 when /proc/PID/root could not be examined.
        public var root: Int32 = -1
        public var commOffset: Int32 = 0, commCount: Int32 = 0
        /// cmdline bytes in the arena (NULs kept); count -1 when not read.
        public var argsOffset: Int32 = 0, argsCount: Int32 = -1
        public var wchanOffset: Int32 = 0, wchanCount: Int32 = -1
        /// Index into `containers`, -1 for none.
        public var container: Int32 = -1
        public var vmLocked: Bool = false
        /// VmRSS and VmSize from status in kB (-1: status not read).
        public var vmRSS: Int64 = -1
        public var vmSize: Int64 = -1
        /// statm's size, resident and shared (file + shmem) in pages; -1 when not read.
        public var pagesSize: Int64 = -1, pagesResident: Int64 = -1, pagesShared: Int64 = -1
    }

    public struct RootID: Hashable, Sendable {
        public var dev: UInt64; public var ino: UInt64
        public init(dev: UInt64, ino: UInt64) { self.dev = dev; self.ino = ino }
        /// A root that could not be examined directly (no ptrace access): one per pid.
        init(unexamined pid: Int32) { dev = UInt64.max; ino = UInt64(UInt32(bitPattern: pid)) }
        public var isUnexamined: Bool { dev == UInt64.max }
    }

    public let procfs: ProcFS
    public private(set) var entries: [Entry] = []
    public private(set) var arena: [UInt8] = []
    /// Distinct roots seen, with one pid through which to read their files.
    public private(set) var roots: [(id: RootID, pid: Int32)] = []
    private var rootIndex: [RootID: Int32] = [:]
    /// First pid whose /proc/PID/root could not be examined, and why.
    public private(set) var rootFailure: (pid: Int32, error: Errno)?
    public private(set) var containers: [ContainerRef] = []
    private var containerIndex: [String: Int32] = [:]

    /// Stat files a previous scan kept open (`keepStatFiles`): read again
    /// with pread(2) at offset 0 instead of a path lookup, open and close
    /// (a seq_file regenerates its text on a read from offset 0). They stay
    /// open: their owner closes them (`KeptStatFiles.closeAll`).
    public var reuse: KeptStatFiles? = nil
    /// Keep this scan's /proc/PID/stat descriptors open for the next scan
    /// (`kept`), below RLIMIT_NOFILE's soft limit less 64; above it they
    /// are closed as usual.
    public var keepStatFiles = false
    /// What a scan with `keepStatFiles` left open, by ascending pid.
    public private(set) var kept: KeptStatFiles? = nil
    private var keptPids: [Int32] = [], keptFDs: [Int32] = []
    private var keepBelow: Int32 = 0

    private let dirFD: FileDescriptor
    private let buffer = ReadBuffer(capacity: 16384)
    private let path = UnsafeMutablePointer<CChar>.allocate(capacity: 96)
    private let needs: Needs

    /// Opens the /proc root. Throws when it cannot be opened.
    public init(procfs: ProcFS, needs: Needs) throws(Errno) {
        self.procfs = procfs
        self.needs = needs
        dirFD = try FileDescriptor.open(procfs.root, O_RDONLY | O_DIRECTORY)
        arena.reserveCapacity(1 << 16)
    }

    deinit {
        dirFD.close()
        path.deallocate()
    }

    /// Text of an arena range.
    public func bytes(_ offset: Int32, _ count: Int32) -> ArraySlice<UInt8> {
        guard count > 0 else { return [] }
        return arena[Int(offset)..<Int(offset + count)]
    }

    /// Scans every process, or only `pids` when given. With many processes
    /// the per-process reads are spread over a few threads (one per online
    /// CPU, at most 4; TOOLBOX_PS_THREADS overrides), each with its own
    /// buffers. They write their entries straight into disjoint ranges of
    /// the one `entries` array, which is then compacted in place: no array
    /// per thread grown by doubling and copied back (with 5,000 processes
    /// those copies into fresh pages were most of ps -ef's page faults).
    public func scan(only pids: Set<Int32>? = nil) {
        let list = listPids(only: pids)
        if keepStatFiles {
            var limit = rlimit()
            let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? min(limit.rlim_cur, 1 << 30) : 1024
            keepBelow = Int32(soft) - 64
            keptPids.reserveCapacity(list.count); keptFDs.reserveCapacity(list.count)
        }
        defer { if keepStatFiles { kept = KeptStatFiles(pids: keptPids, fds: keptFDs); keptPids = []; keptFDs = [] } }
        let k = Self.threadCount(list.count)
        if k <= 1 {
            entries.reserveCapacity(entries.count + list.count)
            for p in list { if let e = readProcess(p) { entries.append(e) } }
            return
        }
        let chunk = (list.count + k - 1) / k
        let scanned = [Entry](unsafeUninitializedCapacity: list.count) { buf, initialized in
            let base = buf.baseAddress!
            var helpers: [ProcessTable] = []
            var threads: [BackgroundThread] = []
            for t in 1..<k {
                let lo = t * chunk, hi = min(list.count, lo + chunk)
                guard lo < hi else { break }
                guard let h = try? ProcessTable(procfs: procfs, needs: needs) else { break }
                h.reuse = reuse; h.keepStatFiles = keepStatFiles; h.keepBelow = keepBelow
                h.pending = Array(list[lo..<hi])
                h.sink = base + lo
                helpers.append(h)
                // The helper and its range are touched only by its thread
                // until join (if no thread can be created, BackgroundThread
                // runs it here).
                threads.append(BackgroundThread { h.runPending() })
            }
            let mine = helpers.isEmpty ? list.count : chunk
            var n = 0
            for p in list[0..<mine] { if let e = readProcess(p) { (base + n).initialize(to: e); n += 1 } }
            for t in threads { t.join() }
            arena.reserveCapacity(helpers.reduce(arena.count) { $0 + $1.arena.count })
            var covered = mine
            for h in helpers {
                absorb(h, from: base + covered, to: base + n)
                n += h.sinkCount
                covered += h.pending.count
            }
            // Helpers that could not be created leave their pids to this thread.
            if covered < list.count { for p in list[covered...] { if let e = readProcess(p) { (base + n).initialize(to: e); n += 1 } } }
            initialized = n
        }
        if entries.isEmpty { entries = scanned } else { entries.append(contentsOf: scanned) }
    }

    private var pending: [Int32] = []
    /// Where a helper writes its entries (a range of the scanning table's array).
    private var sink: UnsafeMutablePointer<Entry>? = nil
    private var sinkCount = 0
    private func runPending() {
        for p in pending { if let e = readProcess(p) { (sink! + sinkCount).initialize(to: e); sinkCount += 1 } }
    }

    static func threadCount(_ n: Int) -> Int {
        if let e = getenv("TOOLBOX_PS_THREADS"), let v = Int(String(cString: e)), v >= 1 { return min(v, 64) }
        if n < 512 { return 1 }
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, min(cpus, 4))
    }

    /// Takes a helper's arena, roots and containers, and moves its
    /// `sinkCount` entries from `src` down to `dst` (<= src; they may
    /// overlap: ascending order reads each before it is overwritten),
    /// rebased on this table's arena and indices. Its pids all follow ours.
    private func absorb(_ h: ProcessTable, from src: UnsafeMutablePointer<Entry>, to dst: UnsafeMutablePointer<Entry>) {
        let base = Int32(arena.count)
        arena.append(contentsOf: h.arena)
        var rootMap: [Int32] = []
        for r in h.roots {
            if let i = rootIndex[r.id] { rootMap.append(i) } else {
                let i = Int32(roots.count); rootIndex[r.id] = i; roots.append(r); rootMap.append(i)
            }
        }
        var containerMap: [Int32] = []
        for c in h.containers {
            if let i = containerIndex[c.id] { containerMap.append(i) } else {
                let i = Int32(containers.count); containerIndex[c.id] = i; containers.append(c); containerMap.append(i)
            }
        }
        // Rebased where they are, then moved down (moveInitialize handles
        // the overlap), so no slot is left initialized twice or behind.
        for i in 0..<h.sinkCount {
            src[i].commOffset += base
            if src[i].argsCount >= 0 { src[i].argsOffset += base }
            if src[i].wchanCount >= 0 { src[i].wchanOffset += base }
            if src[i].root >= 0 { src[i].root = rootMap[Int(src[i].root)] }
            if src[i].container >= 0 { src[i].container = containerMap[Int(src[i].container)] }
        }
        if dst != src { dst.moveInitialize(from: src, count: h.sinkCount) }
        if rootFailure == nil { rootFailure = h.rootFailure }
        keptPids.append(contentsOf: h.keptPids); keptFDs.append(contentsOf: h.keptFDs)
    }

    /// The numeric entries of the /proc root, ascending (getdents64).
    private func listPids(only: Set<Int32>?) -> [Int32] {
        var list: [Int32] = []
        list.reserveCapacity(1024)
        _ = lseek(dirFD.rawValue, 0, SEEK_SET)
        try? DirectoryReader(capacity: 32768).forEach(dirFD) { name, _, _, _ in
            guard let pid = Self.decimalName(name) else { return true }
            if let only, !only.contains(pid) { return true }
            list.append(pid)
            return true
        }
        // /proc lists pids ascending; fixture trees may not.
        var sorted = true
        var i = 1
        while i < list.count { if list[i - 1] > list[i] { sorted = false; break }; i += 1 }
        if !sorted { list.sort() }
        return list
    }

    /// A directory entry that is a pid or tid: 1 to 10 digits, above 0.
    @inline(__always)
    private static func decimalName(_ name: Bytes) -> Int32? {
        guard !name.isEmpty, name.count <= 10 else { return nil }
        var v: Int32 = 0
        for c in name {
            if c < 0x30 || c > 0x39 { return nil }
            v = v &* 10 &+ Int32(c &- 0x30)
        }
        return v > 0 ? v : nil
    }

    /// Writes `PID/suffix` (or `PID/task/TID/suffix`) NUL-terminated into `path`.
    @inline(__always)
    private func setPath(_ pid: Int32, _ suffix: StaticString, tid: Int32 = 0) {
        var p = 0
        func putDecimal(_ v: Int32) {
            var digits: (UInt64, UInt64) = (0, 0)
            var n = 0
            var x = UInt32(bitPattern: v)
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[n] = UInt8(x % 10) + 0x30; x /= 10; n += 1 } while x > 0
                while n > 0 { n -= 1; path[p] = CChar(bitPattern: d[n]); p += 1 }
            }
        }
        putDecimal(pid)
        if tid != 0 {
            for c in "/task/".utf8 { path[p] = CChar(bitPattern: c); p += 1 }
            putDecimal(tid)
        }
        let s = suffix.utf8Start
        for i in 0..<suffix.utf8CodeUnitCount { path[p] = CChar(bitPattern: s[i]); p += 1 }
        path[p] = 0
    }

    /// Reads an open /proc file in one read(2) when it fits (see readInto).
    @inline(__always)
    private func readOpen(_ fd: FileDescriptor) -> Bytes? {
        // One read(2) fills the buffer with the whole file: /proc/PID/stat,
        // status (single_open seq_files) and cmdline return everything that
        // fits in one call, so a short read is the end. Only a full buffer
        // needs more calls (readAll grows it).
        let room = buffer.capacity
        guard let n = try? fd.read(into: UnsafeMutableRawBufferPointer(start: buffer.rawStart, count: room)) else { return nil }
        if n < room { return buffer.setCount(n) }
        return try? buffer.readAll(fd, alreadyRead: n)
    }

    @inline(__always)
    private func readInto(_ pid: Int32, _ suffix: StaticString, tid: Int32 = 0) -> Bytes? {
        setPath(pid, suffix, tid: tid)
        guard let fd = try? FileDescriptor.open(cPath: path, O_RDONLY, relativeTo: dirFD) else { return nil }
        defer { fd.close() }
        return readOpen(fd)
    }

    /// /proc/PID/stat read again through the descriptor a previous scan
    /// kept (nil when there is none or the process has gone: ESRCH).
    private func rereadStat(_ pid: Int32) -> (FileDescriptor, Bytes)? {
        guard let fd = reuse?.descriptor(of: pid) else { return nil }
        let room = buffer.capacity
        // stat is far below the buffer: a full one is not stat as we know it.
        guard let n = try? fd.read(into: UnsafeMutableRawBufferPointer(start: buffer.rawStart, count: room), at: 0), n > 0, n < room else { return nil }
        return (fd, buffer.setCount(n))
    }

    /// Closes `fd` (this scan opened it) or keeps it for the next scan.
    private func release(_ pid: Int32, _ fd: FileDescriptor) {
        if keepStatFiles && fd.rawValue < keepBelow { keptPids.append(pid); keptFDs.append(fd.rawValue) } else { fd.close() }
    }

    /// The entry of process `pid`; nil when it vanished or its stat does not parse.
    private func readProcess(_ pid: Int32) -> Entry? {
        // The owner of /proc/PID/stat is the task's (dump) owner, like the
        // /proc/PID directory's: fstat on the open file gives the effective
        // uid/gid without a second path walk (on a kept descriptor, the
        // owner when it was opened: the kernel sets it on a path lookup).
        let fd: FileDescriptor, statBytes: Bytes, reused: Bool
        if let r = rereadStat(pid) {
            fd = r.0; statBytes = r.1; reused = true
        } else {
            setPath(pid, "/stat")
            guard let f = try? FileDescriptor.open(cPath: path, O_RDONLY, relativeTo: dirFD) else { return nil }
            guard let b = readOpen(f) else { f.close(); return nil }
            fd = f; statBytes = b; reused = false
        }
        if needs.contains(.statOnly) {
            if !reused { release(pid, fd) }
            if let ps = PidStat.parse(statBytes) { return Entry(stat: ps, tgid: pid) }
            return nil
        }
        let st = try? fd.stat()
        if !reused { release(pid, fd) }
        guard let st, let ps = PidStat.parse(statBytes) else { return nil }
        var e = Entry(stat: ps, tgid: pid)
        e.euid = st.st_uid; e.egid = st.st_gid
        e.ruid = st.st_uid; e.rgid = st.st_gid
        e.commOffset = Int32(arena.count); e.commCount = Int32(ps.commCount)
        arena.append(contentsOf: UnsafeBufferPointer(rebasing: statBytes[ps.commStart..<(ps.commStart + ps.commCount)]))
        // A process that is not dumpable (it changed credentials without
        // exec) shows /proc/PID as root:root; status has the real ids.
        let wantStatus = needs.contains(.status) || (st.st_uid == 0 && !ps.isKernelThread && !needs.contains(.ownerOnly))
        if wantStatus, let b = readInto(pid, "/status") {
            if needs.contains(.status) {
                if let s = PidStatus.parse(b) {
                    if s.uids.count > 1 { e.ruid = s.uids[0]; e.euid = s.uids[1] }
                    if s.gids.count > 1 { e.rgid = s.gids[0]; e.egid = s.gids[1] }
                }
                Self.memory(b, &e)
            } else {
                // Only the ids (a root-owned /proc/PID): the Uid and Gid
                // lines come early; stop there instead of parsing it all.
                Self.ids(b, &e)
            }
        }
        if needs.contains(.cmdline), !ps.isKernelThread, let b = readInto(pid, "/cmdline") {
            e.argsOffset = Int32(arena.count); e.argsCount = Int32(b.count)
            arena.append(contentsOf: b)
        }
        // Kernel threads belong to no container: host names.
        if needs.contains(.root), !ps.isKernelThread { e.root = rootOf(pid) }
        if needs.contains(.cgroup), let b = readInto(pid, "/cgroup"), let c = ContainerRef.parse(b) {
            if let i = containerIndex[c.id] { e.container = i } else {
                e.container = Int32(containers.count); containerIndex[c.id] = e.container; containers.append(c)
            }
        }
        if needs.contains(.statm), let b = readInto(pid, "/statm") {
            var sc = ByteScanner(b)
            if let size = sc.uint(), let res = sc.uint(), let shr = sc.uint(), size <= UInt64(Int64.max) {
                e.pagesSize = Int64(size); e.pagesResident = Int64(min(res, size)); e.pagesShared = Int64(min(shr, size))
            }
        }
        if needs.contains(.wchan), let b = readInto(pid, "/wchan") {
            e.wchanOffset = Int32(arena.count); e.wchanCount = Int32(b.count)
            arena.append(contentsOf: b)
        }
        return e
    }

    private func rootOf(_ pid: Int32) -> Int32 {
        var st = Glibc_stat_t()
        setPath(pid, "/root")
        let id: RootID
        if fstatat(dirFD.rawValue, path, &st, 0) == 0 {
            id = RootID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
        } else {
            let err = Errno.current
            // No ptrace access (another uid, no cap_sys_ptrace): a root of
            // its own, identified later by RootNames through the borrowed
            // uid (openProcEntry); RootNames reports it if that fails too.
            guard err.isPermission else {
                if rootFailure == nil, !err.isVanished { rootFailure = (pid, err) }
                return -1
            }
            id = RootID(unexamined: pid)
        }
        if let i = rootIndex[id] { return i }
        let i = Int32(roots.count)
        rootIndex[id] = i
        roots.append((id, pid))
        return i
    }

    /// Real and effective uid/gid from the `Uid:`/`Gid:` lines of status,
    /// stopping after `Gid:` (they are lines 9 and 10 on every kernel since 2.6).
    static func ids(_ b: Bytes, _ e: inout Entry) {
        var sc = ByteScanner(b)
        while !sc.atEnd {
            let line = sc.upTo(ASCII.newline)
            guard line.count > 4, line[3] == ASCII.colon, line[1] == 0x69, line[2] == 0x64 else { continue }  // "?id:"
            var v = ByteScanner(Bytes(rebasing: line[4...]))
            guard let r = v.uint().flatMap({ UInt32(exactly: $0) }), let f = v.uint().flatMap({ UInt32(exactly: $0) }) else { continue }
            if line[0] == 0x55 { e.ruid = r; e.euid = f }                  // "Uid:"
            else if line[0] == 0x47 { e.rgid = r; e.egid = f; return }    // "Gid:"
        }
    }

    /// VmLck, VmRSS and VmSize from status. The kernel sums RSS exactly
    /// for status but approximately (per-CPU counters) for stat, so procps
    /// and toolbox take RSS from status when it is shown.
    static func memory(_ b: Bytes, _ e: inout Entry) {
        var sc = ByteScanner(b)
        e.vmRSS = 0; e.vmSize = 0
        while !sc.atEnd {
            let line = sc.upTo(ASCII.newline)
            guard line.count > 6, line[0] == 0x56, line[1] == 0x6D else { continue }   // "Vm"
            let key = Bytes(rebasing: line[0..<6])
            var v = ByteScanner(Bytes(rebasing: line[6...]))
            if key.equals("VmLck:") { e.vmLocked = (v.uint() ?? 0) > 0 }
            else if key.equals("VmRSS:") { e.vmRSS = Int64(clamping: v.uint() ?? 0) }
            else if line.count > 7, Bytes(rebasing: line[0..<7]).equals("VmSize:") {
                var w = ByteScanner(Bytes(rebasing: line[7...])); e.vmSize = Int64(clamping: w.uint() ?? 0)
            }
        }
    }

    /// The threads of entry `index` (for -L): one entry per /proc/PID/task/TID,
    /// sharing the process's ids, root, container and cmdline.
    public func threads(of index: Int) -> [Entry] {
        let parent = entries[index]
        let pid = parent.stat.pid
        setPath(pid, "/task")
        guard let fd = try? FileDescriptor.open(cPath: path, O_RDONLY | O_DIRECTORY, relativeTo: dirFD) else { return [parent] }
        defer { fd.close() }
        var tids: [Int32] = []
        try? DirectoryReader(capacity: 16384).forEach(fd) { name, _, _, _ in
            if let tid = Self.decimalName(name) { tids.append(tid) }
            return true
        }
        tids.sort()
        var out: [Entry] = []
        for tid in tids {
            // The leader's row carries the process's own figures (procps readtask).
            if tid == pid { out.append(parent); continue }
            guard let b = readInto(pid, "/stat", tid: tid), let ts = PidStat.parse(b) else { continue }
            var e = parent
            e.stat = ts
            e.commOffset = Int32(arena.count); e.commCount = Int32(ts.commCount)
            arena.append(contentsOf: UnsafeBufferPointer(rebasing: b[ts.commStart..<(ts.commStart + ts.commCount)]))
            if needs.contains(.wchan), let w = readInto(pid, "/wchan", tid: tid) {
                e.wchanOffset = Int32(arena.count); e.wchanCount = Int32(w.count)
                arena.append(contentsOf: w)
            }
            out.append(e)
        }
        return out.isEmpty ? [parent] : out
    }
}

/// /proc/PID/stat descriptors one ProcessTable scan kept open for the next
/// (`ProcessTable.keepStatFiles`, `reuse`), by ascending pid. A descriptor
/// stays bound to its process: once that exits, reads fail (ESRCH) and
/// the next scan opens the pid's stat afresh. Read-only while scans run
/// (helper threads look pids up concurrently); closed by `closeAll` or deinit.
public final class KeptStatFiles: @unchecked Sendable {
    public private(set) var pids: [Int32], fds: [Int32]

    init(pids: [Int32], fds: [Int32]) { self.pids = pids; self.fds = fds }
    deinit { closeAll() }

    /// The kept descriptor of `pid` (binary search).
    public func descriptor(of pid: Int32) -> FileDescriptor? {
        var lo = 0, hi = pids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pids[mid] < pid { lo = mid + 1 } else { hi = mid }
        }
        return lo < pids.count && pids[lo] == pid ? FileDescriptor(rawValue: fds[lo]) : nil
    }

    public func closeAll() {
        for fd in fds { _ = Glibc_close(fd) }
        pids = []; fds = []
    }
}
