/// /proc/PID/smaps (proc(5)): for each mapping, its /proc/PID/maps line
///   `start-end perms offset major:minor inode   path`
/// then `Key:  N kB` lines (Size, Rss, Pss, Shared_Dirty, Private_Dirty,
/// Swap, ...) and `VmFlags: rd wr mr ...` (3.8). The path may contain
/// spaces and ends with ` (deleted)` for unlinked files. Lines that do not
/// parse are skipped; a mapping line starts a new mapping.
public struct Smaps: Equatable, Sendable {
    public struct Mapping: Equatable, Sendable {
        public var start: UInt64
        public var end: UInt64
        /// `r-xp`: read, write, exec, p(rivate) or s(hared).
        public var perms: String
        public var offset: UInt64
        public var inode: UInt64
        /// Empty for anonymous memory; `[heap]`, `[stack]`, `[vdso]` for the kernel's names.
        public var path: String
        public var sizeKB: UInt64 = 0
        public var rssKB: UInt64 = 0
        public var pssKB: UInt64 = 0
        public var sharedDirtyKB: UInt64 = 0
        public var privateDirtyKB: UInt64 = 0
        public var swapKB: UInt64 = 0
        /// Two-letter VmFlags (`rd`, `nr`, ...).
        public var vmFlags: [String] = []
        public var dirtyKB: UInt64 { sharedDirtyKB + privateDirtyKB }
    }
    public var mappings: [Mapping] = []
    public init() {}

    public static func parse(_ bytes: Bytes) -> Smaps {
        var out = Smaps()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            if let m = mapsLine(line) { out.mappings.append(m); continue }
            guard !out.mappings.isEmpty, let colon = line.firstIndex(of: ASCII.colon) else { continue }
            let key = Bytes(rebasing: line[..<colon])
            if key.equals("VmFlags") {
                var f = ByteScanner(line, position: colon + 1)
                var flags: [String] = []
                while let x = f.field() { flags.append(x.string) }
                out.mappings[out.mappings.count - 1].vmFlags = flags
                continue
            }
            var v = ByteScanner(line, position: colon + 1)
            guard let n = v.uint() else { continue }
            let i = out.mappings.count - 1
            if key.equals("Size") { out.mappings[i].sizeKB = n }
            else if key.equals("Rss") { out.mappings[i].rssKB = n }
            else if key.equals("Pss") { out.mappings[i].pssKB = n }
            else if key.equals("Shared_Dirty") { out.mappings[i].sharedDirtyKB = n }
            else if key.equals("Private_Dirty") { out.mappings[i].privateDirtyKB = n }
            else if key.equals("Swap") { out.mappings[i].swapKB = n }
        }
        return out
    }

    /// One /proc/PID/maps line, or nil (a `Key:` line is not one: its first
    /// field has no `-` between hex numbers).
    public static func mapsLine(_ line: Bytes) -> Mapping? {
        var f = ByteScanner(line)
        guard let range = f.field(), let perms = f.field(), perms.count == 4, let off = f.field(),
              let dev = f.field(), dev.contains(ASCII.colon), let ino = f.field(), let inode = ino.decimalValue else { return nil }
        var r = ByteScanner(range)
        guard let start = r.hex(), r.skip(past: 0x2D), let end = r.hex(), r.atEnd else { return nil }
        var o = ByteScanner(off)
        guard let offset = o.hex(), o.atEnd else { return nil }
        f.skipSpaces()
        return Mapping(start: start, end: end, perms: perms.string, offset: offset, inode: inode, path: f.remaining.string)
    }
}
