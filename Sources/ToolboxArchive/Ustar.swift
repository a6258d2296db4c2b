import ToolboxFormats
import ToolboxSystem

// The tar archive format (POSIX.1-2001 ustar + pax extended headers, and
// what GNU tar writes by default), as pure functions over bytes: header
// encode/decode, octal and GNU base-256 numbers, pax records. The reader
// that assembles entries from a stream (pax 'x'/'g', GNU 'L'/'K' headers)
// sits at the end of this file.
//
// References: POSIX.1-2017 pax(1) "ustar Interchange Format" and "pax
// Extended Header"; GNU tar manual, "Basic Tar Format" (base-256 numbers,
// the 'L' and 'K' long-name types).

/// Type flags (the `typeflag` byte of a ustar header).
public enum TarType {
    public static let regular: UInt8 = 0x30        // '0'
    public static let regularOld: UInt8 = 0        // NUL (pre-POSIX)
    public static let hardLink: UInt8 = 0x31       // '1'
    public static let symlink: UInt8 = 0x32        // '2'
    public static let character: UInt8 = 0x33     // '3'
    public static let block: UInt8 = 0x34          // '4'
    public static let directory: UInt8 = 0x35      // '5'
    public static let fifo: UInt8 = 0x36           // '6'
    public static let contiguous: UInt8 = 0x37     // '7' (a regular file)
    public static let paxExtended: UInt8 = 0x78    // 'x': records for the next entry
    public static let paxGlobal: UInt8 = 0x67      // 'g': records for all later entries
    public static let gnuLongName: UInt8 = 0x4C    // 'L': GNU, data is the next entry's name
    public static let gnuLongLink: UInt8 = 0x4B    // 'K': GNU, data is the next entry's link name
    public static let gnuSparse: UInt8 = 0x53      // 'S': GNU old sparse file
    public static let gnuDumpDir: UInt8 = 0x44     // 'D': GNU incremental directory (data: a name list)
    public static let gnuVolume: UInt8 = 0x56      // 'V': GNU volume label
    public static let gnuMultiVolume: UInt8 = 0x4D // 'M': GNU continuation of a file (not supported)
}

/// One archive member's metadata, with names as raw bytes (file names need
/// not be UTF-8).
public struct TarHeader: Equatable, Sendable {
    public var name: [UInt8]
    public var mode: UInt32 = 0o644
    public var uid: UInt64 = 0
    public var gid: UInt64 = 0
    public var size: UInt64 = 0
    /// Seconds since the epoch (may be negative).
    public var mtime: Int64 = 0
    /// Sub-second part of the mtime, when a pax `mtime` record carried one.
    public var mtimeNanoseconds: UInt32 = 0
    public var typeflag: UInt8 = TarType.regular
    public var linkname: [UInt8] = []
    public var uname: [UInt8] = []
    public var gname: [UInt8] = []
    public var devmajor: UInt32 = 0
    public var devminor: UInt32 = 0
    /// A sparse file (GNU 'S' or pax GNU.sparse.*): the data regions as
    /// offset, length pairs; the archive data is their bytes in order and
    /// `size` is the file's real size (the reader sets it so).
    public var sparseMap: [UInt64]?
    /// Pax sparse records seen: GNU.sparse.major (1: the map opens the data) and realsize.
    public var sparseMajor = 0
    public var sparseRealSize: UInt64?

    public init(name: [UInt8]) { self.name = name }
    public init(name: String) { self.name = Array(name.utf8) }

    /// True for the types whose data blocks are file content.
    public var hasData: Bool {
        switch typeflag {
        case TarType.hardLink, TarType.symlink, TarType.character, TarType.block, TarType.directory, TarType.fifo:
            return false
        default:
            return true
        }
    }
}

public enum Ustar {
    public static let blockSize = 512
    /// GNU tar's default record: 20 blocks. Archives are padded to a whole record.
    public static let recordSize = 10240

    // Field offsets and widths in a ustar header block.
    static let nameField = (0, 100), modeField = (100, 8), uidField = (108, 8), gidField = (116, 8)
    static let sizeField = (124, 12), mtimeField = (136, 12), checksumField = (148, 8)
    static let typeField = 156, linkField = (157, 100), magicField = (257, 6), versionField = (263, 2)
    static let unameField = (265, 32), gnameField = (297, 32), majorField = (329, 8), minorField = (337, 8)
    static let prefixField = (345, 155)

    /// Bytes needed to pad `size` to a whole block.
    @inline(__always) public static func padding(_ size: UInt64) -> Int {
        Int((UInt64(blockSize) - size % UInt64(blockSize)) % UInt64(blockSize))
    }

    // MARK: numbers

    /// `value` as zero-padded octal in a field of `width` bytes (width-1
    /// digits and a NUL, as GNU tar writes), or nil if it does not fit.
    @inline(__always) static func fitsOctal(_ value: UInt64, width: Int) -> Bool {
        width - 1 >= 22 || value >> (3 * UInt64(width - 1)) == 0
    }

    public static func octal(_ value: UInt64, width: Int) -> [UInt8]? {
        let digits = width - 1
        if digits < 22, value >> (3 * UInt64(digits)) != 0 { return nil }
        var out = [UInt8](repeating: ASCII.zero, count: width)
        out[width - 1] = 0
        var v = value, i = digits - 1
        while v > 0 && i >= 0 { out[i] = ASCII.zero + UInt8(v & 7); v >>= 3; i -= 1 }
        return out
    }

    /// GNU base-256: the first byte 0x80 (0xFF for negative numbers), then
    /// the two's-complement value big-endian in the remaining bytes.
    public static func base256(_ value: Int64, width: Int) -> [UInt8] {
        var out = [UInt8](repeating: value < 0 ? 0xFF : 0, count: width)
        var v = UInt64(bitPattern: value)
        var i = width - 1
        while i >= 1 && i >= width - 8 { out[i] = UInt8(truncatingIfNeeded: v); v >>= 8; i -= 1 }
        out[0] = value < 0 ? 0xFF : 0x80
        return out
    }

    /// A numeric field: octal (leading spaces/NULs allowed, ends at NUL or
    /// space) or GNU base-256. Nil when malformed or out of Int64 range.
    public static func parseNumber(_ field: Bytes) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            // base-256; the sign is bit 6 of the first byte (0xFF for GNU's negatives).
            let negative = first & 0x40 != 0
            var v: UInt64 = negative ? UInt64.max : 0
            let extra = max(0, field.count - 8)
            for i in 0..<field.count {
                var b = field[i]
                if i == 0 { b = negative ? (b | 0x80) : (b & 0x7F) }
                if i < extra {
                    if b != (negative ? 0xFF : 0) { return nil }   // more than 64 bits
                    continue
                }
                v = v << 8 | UInt64(b)
            }
            let r = Int64(bitPattern: v)
            if negative != (r < 0) { return nil }
            return r
        }
        var i = 0
        while i < field.count, field[i] == ASCII.space || field[i] == 0 { i += 1 }
        if i == field.count { return 0 }
        var v: UInt64 = 0
        var digits = 0
        while i < field.count, field[i] >= ASCII.zero, field[i] <= ASCII.zero + 7 {
            if v >> 60 != 0 { return nil }
            v = v << 3 | UInt64(field[i] - ASCII.zero)
            i += 1; digits += 1
        }
        // Anything after the digits must be a terminator.
        while i < field.count {
            if field[i] != 0 && field[i] != ASCII.space { return nil }
            i += 1
        }
        return v <= UInt64(Int64.max) ? Int64(v) : nil
    }

    /// A NUL-terminated (or full-width) text field.
    public static func parseString(_ field: Bytes) -> [UInt8] {
        var n = 0
        while n < field.count, field[n] != 0 { n += 1 }
        return Array(field[0..<n])
    }

    /// The header checksum: the sum of all bytes with the checksum field
    /// counted as spaces. Returns (unsigned, signed) sums; old tars used signed chars.
    public static func checksums(_ block: Bytes) -> (UInt64, Int64) {
        // Eight bytes at a time: their sum in 16-bit lanes (at most
        // 64 * 2 * 255 each) and the number of bytes >= 0x80 (a signed char
        // counts 256 less). The field's bytes are then taken back out and
        // 8 spaces counted instead.
        let raw = UnsafeRawPointer(block.baseAddress!)
        let low: UInt64 = 0x00FF_00FF_00FF_00FF
        var lanes: UInt64 = 0, high = 0
        for i in 0..<(blockSize / 8) {
            let w = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            lanes &+= (w & low) &+ ((w >> 8) & low)
            high += (w & 0x8080_8080_8080_8080).nonzeroBitCount
        }
        var u = (lanes & 0xFFFF) + (lanes >> 16 & 0xFFFF) + (lanes >> 32 & 0xFFFF) + (lanes >> 48)
        for i in checksumField.0..<(checksumField.0 + checksumField.1) {
            u -= UInt64(block[i])
            if block[i] >= 0x80 { high -= 1 }
        }
        u += UInt64(checksumField.1) * UInt64(ASCII.space)
        return (u, Int64(u) - 256 * Int64(high))
    }

    // MARK: names

    /// Splits a name that does not fit the 100-byte name field into
    /// (prefix ≤ 155, name ≤ 100) at a slash, or nil if impossible.
    public static func splitName(_ name: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        guard let i = splitPoint(name) else { return nil }
        return i < 0 ? ([], name) : (Array(name[0..<i]), Array(name[(i + 1)...]))
    }

    /// Where `splitName` splits: -1 when the name fits the name field
    /// whole, the index of the dropped slash, or nil if impossible.
    static func splitPoint(_ name: [UInt8]) -> Int? {
        if name.count <= 100 { return -1 }
        if name.count > 256 { return nil }
        // The split slash is dropped: prefix + "/" + name.
        var i = min(name.count - 1, 155)
        while i > 0 {
            if name[i] == 0x2F, name.count - i - 1 <= 100, name.count - i - 1 > 0 { return i }
            i -= 1
        }
        return nil
    }

    // MARK: member names

    /// GNU tar's `safer_name_suffix`: the prefix to strip from a member name —
    /// everything up to the last `..` component, then leading slashes.
    public static func unsafePrefixLength(_ name: [UInt8]) -> Int {
        var prefix = 0
        var p = 0
        while p < name.count {
            if name[p] == 0x2E, p + 1 < name.count, name[p + 1] == 0x2E, p + 2 == name.count || name[p + 2] == 0x2F {
                prefix = p + 2
            }
            repeat {
                let c = name[p]; p += 1
                if c == 0x2F { break }
            } while p < name.count
        }
        while prefix < name.count, name[prefix] == 0x2F { prefix += 1 }
        return prefix
    }

    /// Path components of a member name with empty and `.` components removed,
    /// or nil if one is `..` (or holds a NUL byte, which a system call would
    /// cut short: `..\0` is `..` to openat).
    public static func components(_ name: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        if name.contains(0) { return nil }
        for c in name.split(separator: 0x2F, omittingEmptySubsequences: true) {
            if c.count == 1 && c[c.startIndex] == 0x2E { continue }
            if c.count == 2 && c[c.startIndex] == 0x2E && c[c.startIndex + 1] == 0x2E { return nil }
            out.append(Array(c))
        }
        return out
    }

    // MARK: encoding

    /// The header block(s) for `h`: when a field does not fit ustar (names
    /// over 100/255 bytes, link names over 100, sizes of 8 GiB and more,
    /// ids over 2097151, long user names, mtimes before 1970 or after 2242),
    /// a pax extended header ('x') with its data comes first. The entry's
    /// data (h.size bytes, padded to a block) follows the returned blocks.
    public static func encode(_ h: TarHeader) -> [UInt8] {
        var out: [UInt8] = []
        encode(h, into: &out)
        return out
    }

    /// `encode(h)` appended to `out`; a member that needs no pax header
    /// (the common case) allocates nothing.
    public static func encode(_ h: TarHeader, into out: inout [UInt8]) {
        var records: [(String, [UInt8])] = []
        // A GNU sparse header has no prefix field: longer names go in pax.
        let split = h.sparseMap != nil && h.name.count > 100 ? nil : splitPoint(h.name)
        if split == nil { records.append(("path", h.name)) }
        if h.linkname.count > 100 { records.append(("linkpath", h.linkname)) }
        if h.sparseMap == nil, !fitsOctal(h.size, width: 12) { records.append(("size", Array(String(h.size).utf8))) }
        if !fitsOctal(h.uid, width: 8) { records.append(("uid", Array(String(h.uid).utf8))) }
        if !fitsOctal(h.gid, width: 8) { records.append(("gid", Array(String(h.gid).utf8))) }
        if h.uname.count > 32 { records.append(("uname", h.uname)) }
        if h.gname.count > 32 { records.append(("gname", h.gname)) }
        if h.mtime < 0 || !fitsOctal(UInt64(h.mtime), width: 12) {
            records.append(("mtime", Array(String(h.mtime).utf8)))
        }
        if !records.isEmpty {
            let data = encodePax(records)
            var x = TarHeader(name: paxHeaderName(h.name))
            x.typeflag = TarType.paxExtended
            x.size = UInt64(data.count)
            x.mtime = max(0, min(h.mtime, 0o77777777777))
            appendBlock(x, to: &out)
            out += data
            out.append(contentsOf: repeatElement(0, count: padding(UInt64(data.count))))
        }
        if let map = h.sparseMap { out += gnuSparseBlocks(h, map) } else { appendBlock(h, to: &out) }
    }

    /// GNU tar's old sparse member ('S', its default format with -S): a
    /// header with 4 map entries and the real size, then extension blocks
    /// of 21 entries. `size` is the real size; the stored size is the sum
    /// of the region lengths.
    static func gnuSparseBlocks(_ h: TarHeader, _ map: [UInt64]) -> [UInt8] {
        var g = h
        g.typeflag = TarType.gnuSparse
        g.size = stride(from: 1, to: map.count, by: 2).reduce(0) { $0 + map[$1] }
        if g.name.count > 100 { g.name = Array(g.name.prefix(100)) }
        var b = ustarBlock(g)
        func number(_ v: UInt64, _ at: Int) {
            let f = octal(v, width: 12) ?? base256(Int64(clamping: v), width: 12)
            for i in 0..<12 { b[at + i] = f[i] }
        }
        for i in 257..<265 { b[i] = Array("ustar  \0".utf8)[i - 257] }
        for i in 345..<512 { b[i] = 0 }
        if octal(g.size, width: 12) == nil { number(g.size, sizeField.0) }
        number(h.size, 483)
        var blocks: [[UInt8]] = [b]
        var at = 386, limit = 482
        for i in stride(from: 0, to: map.count - 1, by: 2) {
            if at + 24 > limit {
                blocks[blocks.count - 1][limit] = 1
                blocks.append([UInt8](repeating: 0, count: blockSize))
                b = blocks[blocks.count - 1]; at = 0; limit = 504
            }
            number(map[i], at); number(map[i + 1], at + 12)
            at += 24
            blocks[blocks.count - 1] = b
        }
        let sum = blocks[0].withUnsafeBufferPointer { checksums($0).0 }
        var ck = octal(sum, width: 7)!
        ck.append(ASCII.space)
        for i in 0..<8 { blocks[0][checksumField.0 + i] = ck[i] }
        return blocks.flatMap { $0 }
    }

    /// The (offset, length) entries of a GNU sparse header or extension
    /// block, appended to `map` until an empty one.
    static func sparseEntries(_ block: Bytes, at: Int, count: Int, into map: inout [UInt64]) {
        for i in 0..<count {
            let o = at + i * 24
            guard block[o] != 0, let off = parseNumber(Bytes(rebasing: block[o..<(o + 12)])),
                  let len = parseNumber(Bytes(rebasing: block[(o + 12)..<(o + 24)])), off >= 0, len >= 0 else { return }
            map += [UInt64(off), UInt64(len)]
        }
    }

    /// `DIR/PaxHeaders/BASE`, cut to 100 bytes (GNU tar's default name
    /// for a pax header; readers ignore it).
    static func paxHeaderName(_ name: [UInt8]) -> [UInt8] {
        var trimmed = name
        while trimmed.count > 1, trimmed.last == 0x2F { trimmed.removeLast() }
        let slash = trimmed.lastIndex(of: 0x2F)
        let dir: [UInt8] = slash.map { Array(trimmed[..<$0]) } ?? [0x2E]
        let base: [UInt8] = slash.map { Array(trimmed[($0 + 1)...]) } ?? trimmed
        var r = dir + Array("/PaxHeaders/".utf8) + base
        if r.count > 100 { r = Array(r.prefix(100)) }
        return r
    }

    /// One ustar header block. Fields that do not fit are written as much
    /// as they do (their true value is in the preceding pax header).
    public static func ustarBlock(_ h: TarHeader) -> [UInt8] {
        var b: [UInt8] = []
        appendBlock(h, to: &b)
        return b
    }

    static let zeroBlock = [UInt8](repeating: 0, count: blockSize)

    /// `ustarBlock(h)` appended to `out`, written in place.
    static func appendBlock(_ h: TarHeader, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: zeroBlock)
        out.withUnsafeMutableBufferPointer { all in
            let b = UnsafeMutableBufferPointer(rebasing: all[start..<(start + blockSize)])
            func copy(_ bytes: [UInt8], _ from: Int, _ count: Int, _ at: Int) {
                for i in 0..<count { b[at + i] = bytes[from + i] }
            }
            func put(_ bytes: [UInt8], _ field: (Int, Int)) { copy(bytes, 0, min(bytes.count, field.1), field.0) }
            func octal(_ v: UInt64, _ field: (Int, Int)) {
                var v = v, i = field.1 - 2
                while i >= 0 { b[field.0 + i] = ASCII.zero + UInt8(truncatingIfNeeded: v & 7); v >>= 3; i -= 1 }
            }
            func number(_ v: Int64, _ field: (Int, Int)) {
                if v >= 0, fitsOctal(UInt64(v), width: field.1) { octal(UInt64(v), field); return }
                put(base256(v, width: field.1), field)
            }
            let n = h.name.count
            switch splitPoint(h.name) {
            case let i? where i >= 0:
                copy(h.name, i + 1, n - i - 1, nameField.0); copy(h.name, 0, i, prefixField.0)
            default:
                copy(h.name, 0, min(n, 100), nameField.0)
            }
            octal(UInt64(h.mode & 0o7777), modeField)
            octal(fitsOctal(h.uid, width: 8) ? h.uid : 0, uidField)
            octal(fitsOctal(h.gid, width: 8) ? h.gid : 0, gidField)
            octal(fitsOctal(h.size, width: 12) ? h.size : 0, sizeField)
            number(h.mtime, mtimeField)
            b[typeField] = h.typeflag
            put(h.linkname, linkField)
            // "ustar\0" and version "00".
            b[257] = 0x75; b[258] = 0x73; b[259] = 0x74; b[260] = 0x61; b[261] = 0x72; b[263] = 0x30; b[264] = 0x30
            put(h.uname, unameField)
            put(h.gname, gnameField)
            if h.typeflag == TarType.character || h.typeflag == TarType.block {
                number(Int64(h.devmajor), majorField); number(Int64(h.devminor), minorField)
            } else {
                octal(0, majorField); octal(0, minorField)
            }
            let sum = checksums(Bytes(b)).0
            // Six octal digits, NUL, space (the traditional layout).
            octal(sum, (checksumField.0, 7))
            b[checksumField.0 + 7] = ASCII.space
        }
    }

    /// pax records `"%d %s=%s\n"`, where the length counts the whole record.
    public static func encodePax(_ records: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in records {
            let body = 1 + key.utf8.count + 1 + value.count + 1   // " key=value\n"
            var len = body + 1
            while String(len).utf8.count + body != len { len = String(len).utf8.count + body }
            out += Array(String(len).utf8)
            out.append(ASCII.space)
            out += Array(key.utf8)
            out.append(0x3D)
            out += value
            out.append(ASCII.newline)
        }
        return out
    }

    // MARK: decoding

    public enum Block: Equatable {
        /// An all-zero block (two in a row end the archive).
        case zero
        /// A block whose checksum does not match: not a tar header.
        case invalid
        case header(TarHeader, gnu: Bool)
    }

    /// Decodes one 512-byte header block. The ustar prefix field is used
    /// only with the POSIX magic ("ustar\0"); old GNU headers ("ustar  \0")
    /// keep other data there.
    public static func decode(_ block: Bytes) -> Block {
        guard block.count >= blockSize else { return .invalid }
        var allZero = true
        for i in 0..<blockSize where block[i] != 0 { allZero = false; break }
        if allZero { return .zero }
        func field(_ f: (Int, Int)) -> Bytes { Bytes(rebasing: block[f.0..<(f.0 + f.1)]) }
        guard let stored = parseNumber(field(checksumField)) else { return .invalid }
        let (u, s) = checksums(block)
        guard stored == Int64(u) || stored == s else { return .invalid }
        let magic = field(magicField)
        let posix = magic[0] == 0x75 && magic[1] == 0x73 && magic[2] == 0x74 && magic[3] == 0x61 && magic[4] == 0x72 && magic[5] == 0
        let gnu = magic[0] == 0x75 && magic[5] == 0x20
        var name = parseString(field(nameField))
        if posix {
            let prefix = parseString(field(prefixField))
            if !prefix.isEmpty { name = prefix + [0x2F] + name }
        }
        var h = TarHeader(name: name)
        h.mode = UInt32(truncatingIfNeeded: parseNumber(field(modeField)) ?? 0) & 0o7777
        h.uid = UInt64(max(0, parseNumber(field(uidField)) ?? 0))
        h.gid = UInt64(max(0, parseNumber(field(gidField)) ?? 0))
        guard let size = parseNumber(field(sizeField)), size >= 0 else { return .invalid }
        h.size = UInt64(size)
        h.mtime = parseNumber(field(mtimeField)) ?? 0
        h.typeflag = block[typeField]
        h.linkname = parseString(field(linkField))
        if posix || gnu {
            h.uname = parseString(field(unameField))
            h.gname = parseString(field(gnameField))
            h.devmajor = UInt32(truncatingIfNeeded: parseNumber(field(majorField)) ?? 0)
            h.devminor = UInt32(truncatingIfNeeded: parseNumber(field(minorField)) ?? 0)
        }
        return .header(h, gnu: gnu)
    }

    /// A sparse map the extractor can follow: pairs, regions in order
    /// inside the real size, lengths adding up to the stored data.
    public static func validSparseMap(_ m: [UInt64], real: UInt64, stored: UInt64) -> Bool {
        guard m.count % 2 == 0, real <= UInt64(Int64.max) else { return false }
        var end: UInt64 = 0, sum: UInt64 = 0
        for i in stride(from: 0, to: m.count, by: 2) {
            guard m[i] >= end, m[i + 1] <= real, m[i] <= real - m[i + 1] else { return false }
            end = m[i] + m[i + 1]; sum += m[i + 1]
        }
        return sum == stored
    }

    /// Parses pax extended header data into (key, value) records, or nil
    /// if a record is malformed.
    public static func parsePax(_ data: Bytes) -> [(String, [UInt8])]? {
        var out: [(String, [UInt8])] = []
        var pos = 0
        while pos < data.count {
            if data[pos] == 0 { break }   // some writers pad with NULs
            var len = 0, i = pos
            while i < data.count, ASCII.isDigit(data[i]) {
                len = len * 10 + Int(data[i] - ASCII.zero); i += 1
                if len > data.count { return nil }
            }
            guard i < data.count, data[i] == ASCII.space, len > i - pos + 1, pos + len <= data.count,
                  data[pos + len - 1] == ASCII.newline else { return nil }
            let recordEnd = pos + len - 1
            var eq = i + 1
            while eq < recordEnd, data[eq] != 0x3D { eq += 1 }
            guard eq < recordEnd else { return nil }
            let key = String(decoding: Bytes(rebasing: data[(i + 1)..<eq]), as: UTF8.self)
            out.append((key, Array(data[(eq + 1)..<recordEnd])))
            pos += len
        }
        return out
    }

    /// Applies pax records to a header. An empty value deletes the
    /// override (POSIX); for the fields here that means keeping the ustar value.
    public static func apply(_ records: [(String, [UInt8])], to h: inout TarHeader) {
        for (key, v) in records where !v.isEmpty {
            // A name ends at a NUL byte, as for GNU tar (C strings): a value
            // like "..\0/x" must be checked as the ".." the system calls see.
            let value = v.firstIndex(of: 0).map { Array(v[..<$0]) } ?? v
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "path": h.name = value
            case "linkpath": h.linkname = value
            // Out of 0...Int64.max (GNU: "out of range") the value is ignored.
            case "size": if let v = Int64(text), v >= 0 { h.size = UInt64(v) }
            case "uid": if let v = Int64(text), v >= 0 { h.uid = UInt64(v) }
            case "gid": if let v = Int64(text), v >= 0 { h.gid = UInt64(v) }
            case "uname": h.uname = value
            case "gname": h.gname = value
            case "mtime":
                if let t = parsePaxTime(text) { h.mtime = t.0; h.mtimeNanoseconds = t.1 }
            // GNU's pax sparse formats 0.0 (offset/numbytes records), 0.1 (map) and 1.0 (map in the data).
            case "GNU.sparse.name": h.name = value
            case "GNU.sparse.major": h.sparseMajor = Int(text) ?? 0
            case "GNU.sparse.size", "GNU.sparse.realsize": h.sparseRealSize = UInt64(text)
            case "GNU.sparse.offset", "GNU.sparse.numbytes", "GNU.sparse.map":
                // Numbers read in place, at most 2^20 of them (as the other
                // two map formats): a 64 MiB header of "0," must not become
                // 32 million values; past the cap the map is invalid (the
                // member is then reported as damaged).
                var m = h.sparseMap ?? []
                var n: UInt64 = 0, digits = 0, bad = false
                func flush() { m.append(digits == 0 || bad ? .max : n); n = 0; digits = 0; bad = false }
                for c in text.utf8 {
                    if m.count > 1 << 20 { break }
                    if c == 0x2C { flush(); continue }
                    guard c >= 0x30 && c <= 0x39 else { bad = true; continue }
                    let (x, o1) = n.multipliedReportingOverflow(by: 10)
                    let (y, o2) = x.addingReportingOverflow(UInt64(c - 0x30))
                    if o1 || o2 { bad = true } else { n = y }
                    digits += 1
                }
                if m.count <= 1 << 20 { flush() } else { m = [.max] }
                h.sparseMap = m
            default: break
            }
        }
    }

    /// A pax time: `[-]seconds[.fraction]` -> (seconds, nanoseconds), the
    /// fraction truncated to nanoseconds (for negative times the seconds
    /// round down so that nanoseconds stay non-negative).
    public static func parsePaxTime(_ text: String) -> (Int64, UInt32)? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let secs = Int64(first.isEmpty ? "0" : String(first)) else { return nil }
        var nanos: UInt32 = 0
        if parts.count == 2 {
            var digits = Array(parts[1].utf8.prefix(9))
            guard digits.allSatisfy({ ASCII.isDigit($0) }) else { return nil }
            while digits.count < 9 { digits.append(ASCII.zero) }
            nanos = digits.reduce(0) { $0 * 10 + UInt32($1 - ASCII.zero) }
        }
        if first.hasPrefix("-") && nanos > 0 {
            guard secs > Int64.min else { return nil }   // out of range, as GNU says
            return (secs - 1, 1_000_000_000 - nanos)
        }
        return (secs, nanos)
    }
}

// MARK: - reading a stream

public enum TarReadError: Error, Equatable {
    /// The first header is not a tar header.
    case notTar
    /// A later header has a bad checksum.
    case badHeader(offset: UInt64)
    /// The input ended inside a member or header.
    case unexpectedEOF
    case system(Errno)
}

/// Reads an archive from a file descriptor block by block and assembles
/// entries: pax 'x' and 'g' records and GNU 'L'/'K' long names are applied
/// to the entry that follows. After `next()` returns an entry, its data is
/// read with `readData` or skipped with `skipData` (next() skips whatever
/// was left).
public final class TarReader {
    private let fd: FileDescriptor
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0, end = 0
    private var eof = false
    /// Bytes consumed from the stream so far.
    public private(set) var offset: UInt64 = 0
    /// Data bytes (with padding) of the current entry not yet consumed.
    private var remaining: UInt64 = 0
    private var remainingPadding = 0
    private var globalRecords: [(String, [UInt8])] = []
    /// Set when the end-of-archive marker was a single zero block before EOF.
    public private(set) var loneZeroBlock = false
    private var sawHeader = false

    /// A regular file: skipped data is seeked over instead of read.
    private let seekable: Bool

    public init(_ fd: FileDescriptor, bufferSize: Int = 1 << 16) {
        self.fd = fd
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
        if let st = try? fd.stat() { seekable = UInt32(st.st_mode) & 0o170000 == 0o100000 } else { seekable = false }
    }
    /// A reader whose stream starts with `prefix`, bytes already read from
    /// `fd` (tar reads the first bytes to recognise a compressed archive).
    public convenience init(_ fd: FileDescriptor, prefix: [UInt8]) {
        self.init(fd, bufferSize: max(1 << 16, prefix.count))
        for (i, b) in prefix.enumerated() { buffer[i] = b }
        end = prefix.count
    }
    deinit { buffer.deallocate() }

    /// Refills so at least `n` bytes are buffered (or EOF). Returns buffered count.
    private func fill(_ n: Int) throws(TarReadError) -> Int {
        if end - start >= n || eof { return end - start }
        if start > 0 {
            let count = end - start
            if count > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: count) }
            start = 0; end = count
        }
        while end - start < n && !eof {
            let got: Int
            do throws(Errno) {
                got = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            } catch { throw .system(error) }
            if got == 0 { eof = true } else { end += got }
        }
        return end - start
    }

    /// The next `n` (≤ buffer size) bytes, consumed; nil at a clean EOF
    /// (nothing buffered); throws on a partial read.
    private func take(_ n: Int) throws(TarReadError) -> UnsafeRawBufferPointer? {
        let have = try fill(n)
        if have == 0 { return nil }
        if have < n { throw .unexpectedEOF }
        let r = UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: n)
        start += n; offset += UInt64(n)
        return r
    }

    /// The next entry, or nil at the end of the archive.
    public func next() throws(TarReadError) -> TarHeader? {
        try skipData()
        var local: [(String, [UInt8])] = []
        var longName: [UInt8]? = nil, longLink: [UInt8]? = nil
        while true {
            let headerOffset = offset
            let block: UnsafeRawBufferPointer?
            do { block = try take(Ustar.blockSize) } catch {
                // A partial first block is not an archive at all (GNU's wording).
                throw !sawHeader && error == .unexpectedEOF ? .notTar : error
            }
            guard let raw = block else {
                if !sawHeader { throw .notTar }
                // EOF without an end marker: GNU tar accepts this silently.
                return nil
            }
            let decoded = Ustar.decode(raw.assumingMemoryBound(to: UInt8.self))
            switch decoded {
            case .zero:
                // A second zero block, or EOF, ends the archive.
                if let second = try take(Ustar.blockSize) {
                    if second.allSatisfy({ $0 == 0 }) { return nil }
                    // A lone zero block followed by more: GNU warns and stops too.
                    loneZeroBlock = true
                    return nil
                }
                loneZeroBlock = true
                return nil
            case .invalid:
                if !sawHeader { throw .notTar }
                throw .badHeader(offset: headerOffset)
            case .header(var h, _):
                sawHeader = true
                switch h.typeflag {
                case TarType.paxExtended, TarType.paxGlobal, TarType.gnuLongName, TarType.gnuLongLink:
                    guard h.size <= 64 << 20 else { throw .badHeader(offset: headerOffset) }
                    let data = try readAll(Int(h.size))
                    if h.typeflag == TarType.paxExtended || h.typeflag == TarType.paxGlobal {
                        guard let recs = data.withUnsafeBufferPointer({ Ustar.parsePax($0) }) else {
                            throw .badHeader(offset: headerOffset)
                        }
                        if h.typeflag == TarType.paxGlobal { globalRecords += recs } else { local += recs }
                    } else {
                        let text = data.withUnsafeBufferPointer { Ustar.parseString($0) }
                        if h.typeflag == TarType.gnuLongName { longName = text } else { longLink = text }
                    }
                    continue
                default:
                    if h.typeflag == TarType.gnuSparse {
                        let b = raw.assumingMemoryBound(to: UInt8.self)
                        var map: [UInt64] = []
                        Ustar.sparseEntries(b, at: 386, count: 4, into: &map)
                        h.sparseRealSize = Ustar.parseNumber(Bytes(rebasing: b[483..<495])).map { UInt64(max(0, $0)) }
                        var extended = b[482] != 0
                        while extended {
                            guard let e = try take(Ustar.blockSize), map.count < 1 << 20 else { throw .badHeader(offset: headerOffset) }
                            let eb = e.assumingMemoryBound(to: UInt8.self)
                            Ustar.sparseEntries(eb, at: 0, count: 21, into: &map)
                            extended = eb[504] != 0
                        }
                        h.sparseMap = map
                        h.typeflag = TarType.regular
                    }
                    if let n = longName { h.name = n }
                    if let l = longLink { h.linkname = l }
                    Ustar.apply(globalRecords, to: &h)
                    Ustar.apply(local, to: &h)
                    remaining = h.hasData ? h.size : 0
                    // Hard links and the like may carry a size but no data.
                    remainingPadding = h.hasData ? Ustar.padding(h.size) : 0
                    if h.sparseMajor == 1 && h.hasData { h.sparseMap = try readSparseMap(headerOffset) }
                    if h.sparseMap != nil {
                        // The listing and extraction see the file's own size.
                        guard let real = h.sparseRealSize, let m = h.sparseMap, Ustar.validSparseMap(m, real: real, stored: remaining) else {
                            throw .badHeader(offset: headerOffset)
                        }
                        h.size = real
                    }
                    return h
                }
            }
        }
    }

    /// GNU pax sparse 1.0: decimal numbers, one a line (the count, then
    /// offset and length pairs), padded to a block, at the start of the data.
    private func readSparseMap(_ at: UInt64) throws(TarReadError) -> [UInt64] {
        var numbers: [UInt64] = [], n: UInt64 = 0, digits = 0, consumed = 0
        var want = 1
        while numbers.count < want || consumed % Ustar.blockSize != 0 {
            let c = try readData(max: Ustar.blockSize - consumed % Ustar.blockSize)
            if c.isEmpty { throw .badHeader(offset: at) }
            consumed += c.count
            for b in c where numbers.count < want {
                if b == 0x0A, digits > 0 {
                    numbers.append(n); n = 0; digits = 0
                    if numbers.count == 1 { guard n < 1 << 20, numbers[0] < 1 << 20 else { throw .badHeader(offset: at) }; want = 1 + 2 * Int(numbers[0]) }
                } else if b >= 0x30 && b <= 0x39 && digits < 19 {
                    n = n * 10 + UInt64(b - 0x30); digits += 1
                } else { throw .badHeader(offset: at) }
            }
        }
        return Array(numbers.dropFirst())
    }

    /// Reads `n` bytes plus block padding into a new array.
    private func readAll(_ n: Int) throws(TarReadError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var left = n
        while left > 0 {
            let chunk = min(left, buffer.count)
            guard let p = try take(chunk) else { throw .unexpectedEOF }
            out.append(contentsOf: p)
            left -= chunk
        }
        let pad = Ustar.padding(UInt64(n))
        if pad > 0, try take(pad) == nil { throw .unexpectedEOF }
        return out
    }

    /// Up to `max` bytes of the current entry's data (empty at its end).
    public func readData(max: Int = 1 << 16) throws(TarReadError) -> UnsafeRawBufferPointer {
        if remaining == 0 {
            if remainingPadding > 0 {
                let pad = remainingPadding
                remainingPadding = 0
                if try take(pad) == nil { throw .unexpectedEOF }
            }
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        let want = Int(min(remaining, UInt64(min(max, buffer.count))))
        let have = try fill(1)
        if have == 0 { throw .unexpectedEOF }
        let n = min(want, have)
        let r = UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: n)
        start += n; offset += UInt64(n); remaining -= UInt64(n)
        return r
    }

    /// Skips the rest of the current entry's data.
    public func skipData() throws(TarReadError) {
        let total = remaining + UInt64(remainingPadding)
        let buffered = UInt64(end - start)
        if seekable && total > buffered + UInt64(buffer.count), let skip = off_t(exactly: total - buffered) {
            // Drop what is buffered and seek over the rest (as GNU tar does
            // when listing a file). A seek past the end shows as EOF later.
            if lseek(fd.rawValue, skip, SEEK_CUR) >= 0 {
                start = 0; end = 0
                offset += total
                remaining = 0; remainingPadding = 0
                // The data must exist: a truncated archive ends inside it.
                if let st = try? fd.stat(), UInt64(st.st_size) < UInt64(lseek(fd.rawValue, 0, SEEK_CUR)) {
                    throw .unexpectedEOF
                }
                return
            }
        }
        while remaining > 0 || remainingPadding > 0 {
            _ = try readData(max: buffer.count)
        }
    }

    /// Reads to the end of the current 10240-byte record, as GNU tar does
    /// after the end marker, so a writer on the other end of a pipe is not
    /// cut off in mid-record. Errors are ignored.
    public func finishRecord() {
        while offset % UInt64(Ustar.recordSize) != 0 {
            let want = Int(UInt64(Ustar.recordSize) - offset % UInt64(Ustar.recordSize))
            guard let have = try? fill(1), have > 0 else { return }
            let n = min(want, have)
            start += n; offset += UInt64(n)
        }
    }
}
