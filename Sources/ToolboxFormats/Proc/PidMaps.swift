/// /proc/PID/maps (show_map_vma in fs/proc/task_mmu.c, proc(5)): one line
/// per mapping, `start-end perms offset MAJ:MIN inode [path]`, the device
/// in hex, the path padded to column 73 and, for a file unlinked since it
/// was mapped, followed by ` (deleted)`. Only the file mappings (inode not
/// 0, path starting with `/`) matter to lsof's `mem` rows.
public struct PidMapsFile: Equatable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var inode: UInt64
    /// The path as the kernel printed it (without ` (deleted)`).
    public var path: String
    public var deleted: Bool
    /// Start and end addresses (the map_files/START-END entry name).
    public var start: UInt64
    public var end: UInt64

    public init(major: UInt32, minor: UInt32, inode: UInt64, path: String, deleted: Bool, start: UInt64, end: UInt64) {
        self.major = major; self.minor = minor; self.inode = inode; self.path = path
        self.deleted = deleted; self.start = start; self.end = end
    }

    /// Parses one line; nil for a malformed line or one that maps no file.
    public static func parse(_ line: Bytes) -> PidMapsFile? {
        var s = ByteScanner(line)
        guard let range = s.field() else { return nil }
        var r = ByteScanner(range)
        guard let start = r.hex(), r.position < range.count, range[r.position] == 0x2D else { return nil }
        r.position += 1
        guard let end = r.hex(), r.atEnd,
              s.field() != nil,                 // perms
              s.hex() != nil,                   // offset
              let dev = s.field(), let inode = s.uint(), inode != 0 else { return nil }
        var d = ByteScanner(dev)
        guard let major = d.hex(), major <= UInt32.max, d.position < dev.count, dev[d.position] == ASCII.colon else { return nil }
        d.position += 1
        guard let minor = d.hex(), minor <= UInt32.max, d.atEnd else { return nil }
        s.skipSpaces()
        guard s.position < line.count, line[s.position] == 0x2F else { return nil }
        var rest = Array(Bytes(rebasing: line[s.position...]))
        if rest.last == ASCII.newline { rest.removeLast() }
        let suffix = Array(" (deleted)".utf8)
        var deleted = false
        if rest.count > suffix.count, Array(rest[(rest.count - suffix.count)...]) == suffix {
            rest.removeLast(suffix.count); deleted = true
        }
        return PidMapsFile(major: UInt32(major), minor: UInt32(minor), inode: inode,
                           path: String(decoding: rest, as: UTF8.self), deleted: deleted, start: start, end: end)
    }

    struct FileKey: Hashable { let dev: UInt64; let inode: UInt64 }

    /// The file mappings of a whole maps file, in address order, one per
    /// distinct (device, inode): lsof lists each mapped file once. Returns
    /// the files and the number of lines that did not parse (anonymous
    /// mappings, `[heap]`, `[vdso]` are not counted).
    public static func distinctFiles(in file: Bytes) -> (files: [PidMapsFile], malformed: Int) {
        var files: [PidMapsFile] = []
        var seen = Set<FileKey>()
        var bad = 0
        var start = 0
        for i in 0...file.count where i == file.count || file[i] == ASCII.newline {
            defer { start = i + 1 }
            guard i > start else { continue }
            let line = Bytes(rebasing: file[start..<i])
            guard let m = parse(line) else {
                // A line that names a file (a path after the inode) but did not parse.
                if line.contains(0x2F) && !line.contains(0x5B) { bad += 1 }
                continue
            }
            if seen.insert(FileKey(dev: UInt64(m.major) << 32 | UInt64(m.minor), inode: m.inode)).inserted { files.append(m) }
        }
        return (files, bad)
    }
}

/// /proc/PID/fdinfo/FD (proc_fd_show in fs/proc/fd.c, Linux 2.6.22):
/// `pos:`, `flags:` (octal), `mnt_id:`, `ino:` and per-kind lines. Unknown
/// keys are ignored; missing ones stay nil.
public struct FdInfo: Equatable, Sendable {
    public var pos: UInt64?
    public var flags: UInt64?

    public init(pos: UInt64? = nil, flags: UInt64? = nil) { self.pos = pos; self.flags = flags }

    public static func parse(_ bytes: Bytes) -> FdInfo {
        var info = FdInfo()
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == ASCII.newline {
            defer { start = i + 1 }
            guard i > start else { continue }
            var s = ByteScanner(Bytes(rebasing: bytes[start..<i]))
            guard let key = s.field() else { continue }
            if key.elementsEqual("pos:".utf8) { info.pos = s.uint() }
            else if key.elementsEqual("flags:".utf8), let f = s.field() {
                var v: UInt64 = 0, ok = true
                for c in f { guard c >= 0x30 && c <= 0x37, v < 1 << 60 else { ok = false; break }; v = v << 3 | UInt64(c - 0x30) }
                if ok { info.flags = v }
            }
        }
        return info
    }
}
