import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// Which process owns each socket inode: every /proc/PID/fd/N link that
/// reads `socket:[INODE]`, in one pass over /proc, into an open-addressing
/// hash map (inode -> owner). The first process (lowest PID) that holds a
/// socket wins, as with net-tools.
public struct SocketOwners {
    public struct Owner: Sendable { public let pid: Int32; public let name: String }

    public private(set) var owners: [Owner] = []
    /// PIDs whose fd directory could not be read for lack of permission
    /// (a reader with a borrowed identity may add their sockets with `add`).
    public private(set) var denied: [Int32] = []
    public var deniedPIDs: Int { denied.count }
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private var used = 0

    public init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = Array(repeating: 0, count: n)
        values = Array(repeating: -1, count: n)
        mask = n - 1
    }

    @inline(__always) private static func hash(_ k: UInt64) -> Int {
        var x = k &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return Int(truncatingIfNeeded: x)
    }

    /// The owner of `inode`, or nil.
    public func owner(of inode: UInt64) -> Owner? { ownerIndex(of: inode).map { owners[$0] } }

    /// The index in `owners` of the owner of `inode`, or nil.
    public func ownerIndex(of inode: UInt64) -> Int? {
        guard inode != 0 else { return nil }
        var i = Self.hash(inode) & mask
        while true {
            let k = keys[i]
            if k == inode { return Int(values[i]) }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Adds a process and the socket inodes it holds (read some other way).
    public mutating func add(pid: Int32, name: String, inodes: [UInt64]) {
        let index = Int32(owners.count)
        owners.append(Owner(pid: pid, name: name))
        for i in inodes { insert(i, owner: index) }
    }

    /// Inserts unless present (first owner wins).
    public mutating func insert(_ inode: UInt64, owner: Int32) {
        guard inode != 0 else { return }
        if (used + 1) * 2 > keys.count { grow() }
        var i = Self.hash(inode) & mask
        while true {
            let k = keys[i]
            if k == inode { return }
            if k == 0 { keys[i] = inode; values[i] = owner; used += 1; return }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldK = keys, oldV = values
        keys = Array(repeating: 0, count: oldK.count * 2)
        values = Array(repeating: -1, count: oldK.count * 2)
        mask = keys.count - 1
        used = 0
        for (i, k) in oldK.enumerated() where k != 0 { insert(k, owner: oldV[i]) }
    }

    /// `socket:[12345]` -> 12345.
    @inline(__always) static func socketInode(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64? {
        // "socket:[" is 8 bytes; at least one digit and "]".
        guard n >= 10, p[0] == 0x73, p[1] == 0x6f, p[2] == 0x63, p[3] == 0x6b, p[4] == 0x65, p[5] == 0x74,
              p[6] == 0x3a, p[7] == 0x5b, p[n - 1] == 0x5d else { return nil }
        var v: UInt64 = 0
        for i in 8..<(n - 1) {
            let c = p[i]
            guard ASCII.isDigit(c) else { return nil }
            v = v &* 10 &+ UInt64(c - ASCII.zero)
        }
        return v
    }

    /// The program name net-tools shows: argv[0] from /proc/PID/cmdline,
    /// after its last `/` when it is a path; /proc/PID/comm when the
    /// command line is empty (kernel threads, zombies).
    static func programName(_ pidDir: Int32, buffer: ReadBuffer) -> String {
        if let b = try? buffer.readFile("cmdline", relativeTo: FileDescriptor(rawValue: pidDir), limit: 4096), !b.isEmpty {
            var end = 0
            while end < b.count, b[end] != 0 { end += 1 }
            var start = 0
            if b[0] == 0x2f { for i in 0..<end where b[i] == 0x2f { start = i + 1 } }
            if end > start { return Bytes(rebasing: b[start..<end]).string }
        }
        if let b = try? buffer.readFile("comm", relativeTo: FileDescriptor(rawValue: pidDir), limit: 64) {
            var n = b.count
            if n > 0, b[n - 1] == ASCII.newline { n -= 1 }
            return Bytes(rebasing: b[0..<n]).string
        }
        return ""
    }

    /// The program name of `pid` under `procRoot` (see `programName`), or nil if it is gone.
    public static func programName(procRoot: String, pid: Int32) -> String? {
        guard let dir = try? FileDescriptor.open("\(procRoot)/\(pid)", O_RDONLY | O_DIRECTORY) else { return nil }
        defer { dir.close() }
        return programName(dir.rawValue, buffer: ReadBuffer(capacity: 4096))
    }

    /// Adds the sockets of the processes whose fd directory was refused by
    /// reading their fd links in a child that takes each one's uid and gid
    /// (`borrowedFDLinks`, ProcAccess.swift). Returns the PIDs that still
    /// could not be read. Those owners come after the directly read ones, so
    /// a socket shared with a readable process keeps that owner.
    public mutating func addBorrowed(procfs: ProcFS) -> [Int32] {
        var still: [Int32] = []
        let me = geteuid()
        for pid in denied {
            guard let st = try? procfs.status(pid), let uid = st.realUID, let gid = st.realGID else { continue }
            // Taking our own uid cannot help (the refusal is about the
            // target's capabilities); a child refused too throws EACCES
            // (nil here), and an empty answer reads nothing either.
            guard uid != me, let links = try? borrowedFDLinks(procfs: procfs, pid: pid, uid: uid, gid: gid),
                  !links.isEmpty else {
                still.append(pid); continue
            }
            var inodes: [UInt64] = []
            for (_, target) in links {
                var t = target
                let n = t.utf8.count
                if let inode = t.withUTF8({ b in Self.socketInode(b.baseAddress!, n) }) { inodes.append(inode) }
            }
            if !inodes.isEmpty, let name = Self.programName(procRoot: procfs.root, pid: pid) {
                add(pid: pid, name: name, inodes: inodes)
            }
        }
        denied = still
        return still
    }

    /// Scans `procRoot` (/proc). Processes that vanish are skipped.
    public static func scan(procRoot: String = "/proc", capacity: Int = 1024) -> SocketOwners {
        var result = SocketOwners(capacity: capacity)
        guard let procFD = try? FileDescriptor.open(procRoot, O_RDONLY | O_DIRECTORY) else { return result }
        defer { procFD.close() }
        let reader = DirectoryReader(capacity: 1 << 15)
        let buffer = ReadBuffer(capacity: 4096)
        let link = UnsafeMutableRawBufferPointer.allocate(byteCount: 63, alignment: 1)
        defer { link.deallocate() }
        var pids: [Int32] = []
        try? reader.forEach(procFD) { name, _, _, _ in
            var v: Int32 = 0
            for c in name {
                guard ASCII.isDigit(c), v < 100_000_000 else { return true }
                v = v * 10 + Int32(c - ASCII.zero)
            }
            if !name.isEmpty { pids.append(v) }
            return true
        }
        pids.sort()
        var path: (UInt64, UInt64) = (0, 0)   // "PID\0", no String per pid
        for pid in pids {
            // "PID" relative to /proc, then "fd" relative to it.
            let opened = withUnsafeMutableBytes(of: &path) { p -> FileDescriptor? in
                var n = 0, v = pid
                repeat { p[n] = UInt8(48 + v % 10); v /= 10; n += 1 } while v > 0
                p[n] = 0
                var i = 0, j = n - 1
                while i < j { p.swapAt(i, j); i += 1; j -= 1 }
                return try? FileDescriptor.open(cPath: p.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_DIRECTORY, relativeTo: procFD)
            }
            guard let pidDir = opened else { continue }
            defer { pidDir.close() }
            let fdDir: FileDescriptor
            do throws(Errno) { fdDir = try FileDescriptor.open(cPath: "fd", O_RDONLY | O_DIRECTORY, relativeTo: pidDir) } catch {
                if error.isPermission { result.denied.append(pid) }
                continue
            }
            defer { fdDir.close() }
            var ownerIndex: Int32 = -1
            try? reader.forEach(fdDir) { name, cName, _, _ in
                let len: Int
                do throws(Errno) { len = try readLink(cPath: cName, relativeTo: fdDir, into: link) } catch {
                    if error.isPermission {
                        // Listed but not readable: the ptrace check (e.g. the
                        // target has capabilities this process lacks).
                        result.denied.append(pid)
                        return false
                    }
                    return true
                }
                guard len > 0, let inode = socketInode(link.baseAddress!.assumingMemoryBound(to: UInt8.self), len) else { return true }
                if ownerIndex < 0 {
                    ownerIndex = Int32(result.owners.count)
                    result.owners.append(Owner(pid: pid, name: programName(pidDir.rawValue, buffer: buffer)))
                }
                result.insert(inode, owner: ownerIndex)
                return true
            }
        }
        return result
    }
}
