// gzip decompression: RFC 1951 (DEFLATE) blocks inside RFC 1952 (gzip)
// members. Pure: bytes come from an input closure and go to an output
// closure; no system calls.
//
// Safe by construction for input a container chose: no recursion, every
// table bounded (sized for the worst case up front), every distance and
// length checked, every loop consumes input or produces output, and a
// damaged stream is a `GzipError` (never a trap or a hang).
//
// Fast: a 64-bit bit buffer refilled 8 bytes at a time, table-driven
// Huffman decoding (a 10-bit primary table for literals/lengths, 8-bit for
// distances, subtables for longer codes, as zlib's inflate_fast), output
// into one reused window buffer flushed in large chunks.

/// A damaged or unsupported gzip stream. `message` is GNU gzip's wording.
public enum GzipError: Error, Equatable, Sendable {
    case notGzip, unexpectedEOF, formatViolated, crcError, lengthError
    case unknownMethod(UInt8), unsupportedFlags(UInt8)

    public var message: String {
        switch self {
        case .notGzip: return "not in gzip format"
        case .unexpectedEOF: return "unexpected end of file"
        case .formatViolated: return "invalid compressed data--format violated"
        case .crcError: return "invalid compressed data--crc error"
        case .lengthError: return "invalid compressed data--length error"
        case .unknownMethod(let m): return "unknown method \(m) -- not supported"
        case .unsupportedFlags(let f): return "has flags 0x\(String(f, radix: 16)) -- not supported"
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, as gzip), slicing by 8.
public enum CRC32 {
    nonisolated(unsafe) static let table: UnsafeMutablePointer<UInt32> = {
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let p = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (p >> 8) ^ t[Int(p & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC of `count` more bytes after a CRC `crc` (0 to start).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawPointer, _ count: Int) -> UInt32 {
        let t = table
        var c = ~crc
        var p = bytes
        var n = count
        while n >= 8 {
            let w = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            let lo = UInt32(truncatingIfNeeded: w) ^ c
            let hi = UInt32(truncatingIfNeeded: w &>> 32)
            c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo &>> 8) & 0xFF)]
                ^ t[5 * 256 + Int((lo &>> 16) & 0xFF)] ^ t[4 * 256 + Int(lo &>> 24)]
                ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi &>> 8) & 0xFF)]
                ^ t[256 + Int((hi &>> 16) & 0xFF)] ^ t[Int(hi &>> 24)]
            p += 8; n -= 8
        }
        while n > 0 {
            c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
            p += 1; n -= 1
        }
        return ~c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count) }
    }
}

/// DEFLATE's length and distance symbols (RFC 1951 3.2.5).
enum DeflateTables {
    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                       35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                       3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                     257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                     8193, 12289, 16385, 24577]
    static let distExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                     7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order code-length code lengths are sent in.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}

/// Streaming gzip decoder: `run` pulls compressed bytes from `input` and
/// pushes decompressed bytes to `output` in chunks of up to `windowSize`.
/// Handles every member of a multi-member stream; checks CRC-32 and ISIZE.
public final class GzipInflater {
    public typealias Input = (UnsafeMutableRawBufferPointer) throws -> Int
    public typealias Output = (UnsafeRawBufferPointer) throws -> Void

    // Table entries (UInt32): bits 0-3 bits to consume, 4-7 extra bits (or
    // subtable index bits), 8-10 kind, 16-31 value (literal, base, offset).
    private static let kLiteral: UInt32 = 0, kBase: UInt32 = 1 << 8, kEnd: UInt32 = 2 << 8
    private static let kSub: UInt32 = 3 << 8, kInvalid: UInt32 = 4 << 8
    private static let litPrimary = 10, distPrimary = 8, clPrimary = 7
    // Worst-case sizes: the primary table plus a subtable of at most
    // 2^(15 - primary) entries for each symbol whose code is longer.
    private static let litTableSize = (1 << 10) + 288 * 32
    private static let distTableSize = (1 << 8) + 32 * 128

    private let input: Input
    private let inBuf: UnsafeMutablePointer<UInt8>
    private let inCap: Int
    private var ip = 0, iend = 0
    private var inEOF = false

    private var bb: UInt64 = 0       // bit buffer, LSB first
    private var bc = 0               // bits in bb
    private var phantom = 0          // zero bits appended past the end of input (top of bb)

    private let win: UnsafeMutablePointer<UInt8>
    private let winCap: Int
    private var op = 0, flushed = 0

    private var crc: UInt32 = 0
    private var size: UInt32 = 0

    private let litTable: UnsafeMutablePointer<UInt32>
    private let distTable: UnsafeMutablePointer<UInt32>
    private let fixedLit: UnsafeMutablePointer<UInt32>
    private let fixedDist: UnsafeMutablePointer<UInt32>
    private let clTable: UnsafeMutablePointer<UInt32>
    private let lens: UnsafeMutablePointer<UInt8>       // 320 code lengths
    private let litBase: UnsafeMutablePointer<UInt32>   // 288 entry templates
    private let distBaseE: UnsafeMutablePointer<UInt32> // 32
    private let clBase: UnsafeMutablePointer<UInt32>    // 19
    private let subBits: UnsafeMutablePointer<UInt8>    // 1 << litPrimary
    private let codes: UnsafeMutablePointer<UInt16>     // 320

    /// Members decoded so far.
    public private(set) var members = 0
    /// Bytes that followed the last member and are not a gzip member.
    public private(set) var trailingGarbage = false
    /// Every trailing byte was zero (GNU gzip: "trailing zero bytes ignored").
    public private(set) var trailingZeros = false
    /// Compressed bytes consumed and decompressed bytes produced (all members).
    public private(set) var totalIn: UInt64 = 0
    public private(set) var totalOut: UInt64 = 0
    /// The last member's ISIZE and original name (if FNAME was set).
    public private(set) var lastISize: UInt32 = 0

    public init(inputBufferSize: Int = 1 << 16, windowSize: Int = 1 << 18, input: @escaping Input) {
        self.input = input
        inCap = max(inputBufferSize, 64)
        inBuf = .allocate(capacity: inCap)
        winCap = max(windowSize, 1 << 16)
        win = .allocate(capacity: winCap + 512)
        litTable = .allocate(capacity: Self.litTableSize)
        distTable = .allocate(capacity: Self.distTableSize)
        fixedLit = .allocate(capacity: Self.litTableSize)
        fixedDist = .allocate(capacity: Self.distTableSize)
        clTable = .allocate(capacity: 1 << Self.clPrimary)
        lens = .allocate(capacity: 320)
        litBase = .allocate(capacity: 288)
        distBaseE = .allocate(capacity: 32)
        clBase = .allocate(capacity: 19)
        subBits = .allocate(capacity: 1 << Self.litPrimary)
        codes = .allocate(capacity: 320)
        for s in 0..<288 {
            switch s {
            case 0..<256: litBase[s] = Self.kLiteral | UInt32(s) << 16
            case 256: litBase[s] = Self.kEnd
            case 257...285:
                let i = s - 257
                litBase[s] = Self.kBase | UInt32(DeflateTables.lengthBase[i]) << 16 | UInt32(DeflateTables.lengthExtra[i]) << 4
            default: litBase[s] = Self.kInvalid
            }
        }
        for s in 0..<32 {
            distBaseE[s] = s < 30 ? Self.kBase | UInt32(DeflateTables.distBase[s]) << 16 | UInt32(DeflateTables.distExtra[s]) << 4 : Self.kInvalid
        }
        for s in 0..<19 { clBase[s] = Self.kLiteral | UInt32(s) << 16 }
        for s in 0..<288 { lens[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8 }
        _ = buildTable(lens, 288, Self.litPrimary, litBase, fixedLit)
        for s in 0..<32 { lens[s] = 5 }
        _ = buildTable(lens, 32, Self.distPrimary, distBaseE, fixedDist)
    }

    deinit {
        inBuf.deallocate(); win.deallocate(); litTable.deallocate(); distTable.deallocate()
        fixedLit.deallocate(); fixedDist.deallocate(); clTable.deallocate(); lens.deallocate()
        litBase.deallocate(); distBaseE.deallocate(); clBase.deallocate(); subBits.deallocate(); codes.deallocate()
    }

    // MARK: - Huffman tables

    /// Builds a canonical Huffman decoding table for `n` code lengths.
    /// Returns false if the code is over-subscribed; unused slots of an
    /// incomplete code decode as invalid.
    private func buildTable(_ lengths: UnsafeMutablePointer<UInt8>, _ n: Int, _ primary: Int,
                            _ base: UnsafeMutablePointer<UInt32>, _ table: UnsafeMutablePointer<UInt32>) -> Bool {
        var count = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var next = count
        return withUnsafeMutableBytes(of: &count) { cb -> Bool in
            let count = cb.baseAddress!.assumingMemoryBound(to: Int.self)
            return withUnsafeMutableBytes(of: &next) { nb -> Bool in
                let next = nb.baseAddress!.assumingMemoryBound(to: Int.self)
                for s in 0..<n { count[Int(lengths[s] & 15)] += 1 }
                count[0] = 0
                var left = 1
                for l in 1...15 {
                    left <<= 1; left -= count[l]
                    if left < 0 { return false }
                }
                var code = 0
                for l in 1...15 { code = (code + count[l - 1]) << 1; next[l] = code }
                let psize = 1 << primary
                for i in 0..<psize { table[i] = Self.kInvalid; subBits[i] = 0 }
                // Codes, bit-reversed (DEFLATE sends Huffman codes MSB first).
                for s in 0..<n {
                    let l = Int(lengths[s] & 15)
                    if l == 0 { continue }
                    var c = next[l]; next[l] += 1
                    var r = 0
                    for _ in 0..<l { r = (r << 1) | (c & 1); c >>= 1 }
                    codes[s] = UInt16(r)
                    if l > primary {
                        let p = r & (psize - 1)
                        subBits[p] = max(subBits[p], UInt8(l - primary))
                    }
                }
                var cursor = psize
                for p in 0..<psize where subBits[p] > 0 {
                    let sb = Int(subBits[p])
                    table[p] = Self.kSub | UInt32(cursor) << 16 | UInt32(sb) << 4 | UInt32(primary)
                    for i in 0..<(1 << sb) { table[cursor + i] = Self.kInvalid }
                    cursor += 1 << sb
                }
                for s in 0..<n {
                    let l = Int(lengths[s] & 15)
                    if l == 0 { continue }
                    let r = Int(codes[s])
                    if l <= primary {
                        let e = base[s] | UInt32(l)
                        var i = r
                        while i < psize { table[i] = e; i += 1 << l }
                    } else {
                        let p = r & (psize - 1)
                        let sub = table[p]
                        let off = Int(sub >> 16), sb = Int(subBits[p])
                        let l2 = l - primary
                        let e = base[s] | UInt32(l2)
                        var i = r >> primary
                        while i < 1 << sb { table[off + i] = e; i += 1 << l2 }
                    }
                }
                return true
            }
        }
    }

    // MARK: - input

    /// Refills the input buffer; false at the end of input.
    private func fillInput() throws -> Bool {
        if ip < iend { return true }
        if inEOF { return false }
        ip = 0; iend = 0
        let n = try input(UnsafeMutableRawBufferPointer(start: inBuf, count: inCap))
        if n <= 0 { inEOF = true; return false }
        iend = min(n, inCap)
        totalIn += UInt64(iend)
        return true
    }

    /// Fills the bit buffer to more than 56 bits, appending zero bits
    /// (counted in `phantom`) past the end of input.
    private func refillSlow() throws {
        while bc <= 56 {
            if try ip < iend || fillInput() {
                bb |= UInt64(inBuf[ip]) << UInt64(bc); ip += 1
            } else {
                phantom += 8
            }
            bc += 8
        }
    }

    /// The next byte on a byte boundary.
    private func readByte() throws -> UInt8 {
        if bc - phantom >= 8 {
            let b = UInt8(truncatingIfNeeded: bb)
            bb >>= 8; bc -= 8
            return b
        }
        if phantom > 0 || bc > 0 { throw GzipError.unexpectedEOF }
        // Bits above `bc` may hold a copy of the next input byte (the fast
        // refill loads whole words); reading past them, clear them.
        bb = 0
        guard try fillInput() else { throw GzipError.unexpectedEOF }
        let b = inBuf[ip]; ip += 1
        return b
    }

    private func alignToByte() { let k = bc & 7; bb >>= UInt64(k); bc -= k }

    /// True when nothing is left: no buffered bits and no more input.
    private func atEnd() throws -> Bool {
        if bc - phantom >= 8 { return false }
        return !(try fillInput())
    }

    // MARK: - output

    private func flush(_ output: Output) throws {
        let n = op - flushed
        if n > 0 {
            let p = UnsafeRawPointer(win + flushed)
            crc = CRC32.update(crc, p, n)
            size &+= UInt32(truncatingIfNeeded: n)
            totalOut += UInt64(n)
            flushed = op
            try output(UnsafeRawBufferPointer(start: p, count: n))
        }
        if op >= winCap - 300 {   // keep the last 32 KiB as history
            (win).update(from: win + (op - 32768), count: 32768)
            op = 32768; flushed = 32768
        }
    }

    // MARK: - decoding

    /// Decodes the whole stream.
    public func run(_ output: Output) throws {
        var first = true
        while true {
            if !first {
                // Another member, or trailing bytes.
                alignToByte()
                if try atEnd() { return }
                let b0 = try readByte()
                if b0 != 0x1F {
                    trailingGarbage = true
                    trailingZeros = try b0 == 0 && allZeros()
                    return
                }
                if try atEnd() { trailingGarbage = true; return }
                let b1 = try readByte()
                if b1 != 0x8B { trailingGarbage = true; return }
            } else {
                if try atEnd() { throw GzipError.unexpectedEOF }
                let b0 = try readByte()
                if try atEnd() { throw b0 == 0x1F ? GzipError.unexpectedEOF : GzipError.notGzip }
                let b1 = try readByte()
                if b0 != 0x1F || b1 != 0x8B { throw GzipError.notGzip }
            }
            first = false
            try member(output)
            members += 1
        }
    }

    private func allZeros() throws -> Bool {
        while !(try atEnd()) {
            if try readByte() != 0 { return false }
        }
        return true
    }

    /// One member after its magic bytes: header, blocks, trailer.
    private func member(_ output: Output) throws {
        var hcrc = CRC32.update(0, [UInt8(0x1F), 0x8B], 2)
        func byte() throws -> UInt8 {
            var b = try readByte()
            hcrc = CRC32.update(hcrc, &b, 1)
            return b
        }
        let cm = try byte()
        if cm != 8 { throw GzipError.unknownMethod(cm) }
        let flg = try byte()
        if flg & 0xE0 != 0 { throw GzipError.unsupportedFlags(flg) }
        for _ in 0..<6 { _ = try byte() }   // MTIME, XFL, OS
        if flg & 4 != 0 {   // FEXTRA
            let xlen = Int(try byte()) | Int(try byte()) << 8
            for _ in 0..<xlen { _ = try byte() }
        }
        if flg & 8 != 0 { while try byte() != 0 {} }    // FNAME
        if flg & 16 != 0 { while try byte() != 0 {} }   // FCOMMENT
        if flg & 2 != 0 {   // FHCRC
            let want = UInt16(hcrc & 0xFFFF)
            let got = UInt16(try readByte()) | UInt16(try readByte()) << 8
            if got != want { throw GzipError.formatViolated }
        }
        crc = 0; size = 0; op = 0; flushed = 0
        var last = false
        while !last {
            if bc < 3 { try refillSlow() }
            if phantom > bc - 3 { throw GzipError.unexpectedEOF }
            last = bb & 1 != 0
            let type = (bb >> 1) & 3
            bb >>= 3; bc -= 3
            switch type {
            case 0: try storedBlock(output)
            case 1: try huffmanBlock(output, lit: fixedLit, dist: fixedDist)
            case 2:
                try readDynamicTables()
                try huffmanBlock(output, lit: litTable, dist: distTable)
            default: throw GzipError.formatViolated
            }
        }
        try flush(output)
        alignToByte()
        var trailer: UInt64 = 0
        for i in 0..<8 { trailer |= UInt64(try readByte()) << UInt64(8 * i) }
        if UInt32(truncatingIfNeeded: trailer) != crc { throw GzipError.crcError }
        if UInt32(truncatingIfNeeded: trailer >> 32) != size { throw GzipError.lengthError }
        lastISize = size
    }

    private func storedBlock(_ output: Output) throws {
        alignToByte()
        let len = Int(try readByte()) | Int(try readByte()) << 8
        let nlen = Int(try readByte()) | Int(try readByte()) << 8
        if len != (~nlen & 0xFFFF) { throw GzipError.formatViolated }
        var left = len
        // Whole bytes still in the bit buffer first.
        while left > 0 && bc - phantom >= 8 {
            win[op] = UInt8(truncatingIfNeeded: bb); bb >>= 8; bc -= 8
            op += 1; left -= 1
            if op >= winCap - 300 { try flush(output) }
        }
        if left > 0 { bb = 0 }   // bc == 0: drop the stale copy of the next byte (see readByte)
        while left > 0 {
            if op >= winCap - 300 { try flush(output) }
            guard try fillInput() else { throw GzipError.unexpectedEOF }
            let k = min(left, iend - ip, winCap - 300 - op)
            (win + op).update(from: inBuf + ip, count: k)
            ip += k; op += k; left -= k
        }
    }

    private func readDynamicTables() throws {
        try refillSlow()
        if phantom > bc - 14 { throw GzipError.unexpectedEOF }
        let hlit = Int(bb & 31) + 257, hdist = Int((bb >> 5) & 31) + 1, hclen = Int((bb >> 10) & 15) + 4
        bb >>= 14; bc -= 14
        if hlit > 286 || hdist > 30 { throw GzipError.formatViolated }
        for i in 0..<19 { lens[i] = 0 }
        var cl = [UInt8](repeating: 0, count: 19)
        for i in 0..<hclen {
            if bc < 3 { try refillSlow() }
            if phantom > bc - 3 { throw GzipError.unexpectedEOF }
            cl[DeflateTables.codeLengthOrder[i]] = UInt8(bb & 7)
            bb >>= 3; bc -= 3
        }
        for i in 0..<19 { lens[i] = cl[i] }
        guard buildTable(lens, 19, Self.clPrimary, clBase, clTable) else { throw GzipError.formatViolated }
        let total = hlit + hdist
        var i = 0
        while i < total {
            if bc < 16 { try refillSlow() }
            let e = clTable[Int(bb & 127)]
            if e & 0x700 != Self.kLiteral { throw GzipError.formatViolated }
            let l = Int(e & 15)
            bb >>= UInt64(l); bc -= l
            if phantom > bc { throw GzipError.unexpectedEOF }
            let sym = Int(e >> 16)
            if sym < 16 { lens[i] = UInt8(sym); i += 1; continue }
            var rep: Int, value: UInt8 = 0
            switch sym {
            case 16:
                if i == 0 { throw GzipError.formatViolated }
                value = lens[i - 1]; rep = 3 + Int(bb & 3); bb >>= 2; bc -= 2
            case 17: rep = 3 + Int(bb & 7); bb >>= 3; bc -= 3
            default: rep = 11 + Int(bb & 127); bb >>= 7; bc -= 7
            }
            if phantom > bc { throw GzipError.unexpectedEOF }
            if i + rep > total { throw GzipError.formatViolated }
            for _ in 0..<rep { lens[i] = value; i += 1 }
        }
        if lens[256] == 0 { throw GzipError.formatViolated }   // no end-of-block code
        guard buildTable(lens, hlit, Self.litPrimary, litBase, litTable) else { throw GzipError.formatViolated }
        // The distance lengths follow the literal ones; copy them down.
        for j in 0..<hdist { lens[j] = lens[hlit + j] }
        guard buildTable(lens, hdist, Self.distPrimary, distBaseE, distTable) else { throw GzipError.formatViolated }
    }

    /// Decodes one Huffman-coded block with the given tables.
    private func huffmanBlock(_ output: Output, lit: UnsafeMutablePointer<UInt32>, dist: UnsafeMutablePointer<UInt32>) throws {
        let w = win
        let inp = inBuf
        var bb = self.bb, bc = self.bc, op = self.op, ip = self.ip
        let limit = winCap - 300
        defer { self.bb = bb; self.bc = bc; self.op = op; self.ip = ip }
        while true {
            if op >= limit {
                self.op = op
                try flush(output)
                op = self.op
            }
            if bc < 48 {
                if ip + 8 <= iend {
                    bb |= UInt64(littleEndian: UnsafeRawPointer(inp + ip).loadUnaligned(as: UInt64.self)) &<< UInt64(bc)
                    ip &+= (63 &- bc) &>> 3
                    bc |= 56
                } else {
                    self.bb = bb; self.bc = bc; self.ip = ip
                    try refillSlow()
                    bb = self.bb; bc = self.bc; ip = self.ip
                }
            }
            var e = lit[Int(truncatingIfNeeded: bb & 1023)]
            if e & 0x700 == Self.kSub {
                bb &>>= 10; bc &-= 10
                let mask = (UInt64(1) &<< UInt64((e &>> 4) & 15)) &- 1
                e = lit[Int(e &>> 16) &+ Int(truncatingIfNeeded: bb & mask)]
            }
            let n = UInt64(e & 15)
            bb &>>= n; bc &-= Int(n)
            let kind = e & 0x700
            if kind == Self.kLiteral {
                if phantom > bc { throw GzipError.unexpectedEOF }
                w[op] = UInt8(truncatingIfNeeded: e &>> 16)
                op &+= 1
                continue
            }
            if kind == Self.kEnd {
                if phantom > bc { throw GzipError.unexpectedEOF }
                return
            }
            if kind != Self.kBase { throw GzipError.formatViolated }
            let lx = UInt64((e &>> 4) & 15)
            let length = Int(e &>> 16) &+ Int(truncatingIfNeeded: bb & ((1 &<< lx) &- 1))
            bb &>>= lx; bc &-= Int(lx)
            var d = dist[Int(truncatingIfNeeded: bb & 255)]
            if d & 0x700 == Self.kSub {
                bb &>>= 8; bc &-= 8
                let mask = (UInt64(1) &<< UInt64((d &>> 4) & 15)) &- 1
                d = dist[Int(d &>> 16) &+ Int(truncatingIfNeeded: bb & mask)]
            }
            let dn = UInt64(d & 15)
            bb &>>= dn; bc &-= Int(dn)
            if d & 0x700 != Self.kBase { throw GzipError.formatViolated }
            let dx = UInt64((d &>> 4) & 15)
            let distance = Int(d &>> 16) &+ Int(truncatingIfNeeded: bb & ((1 &<< dx) &- 1))
            bb &>>= dx; bc &-= Int(dx)
            if phantom > bc { throw GzipError.unexpectedEOF }
            if distance > op { throw GzipError.formatViolated }   // too far back
            var src = w + (op &- distance)
            var dst = w + op
            op &+= length
            if distance >= 8 {
                let end = dst + length
                repeat {
                    UnsafeMutableRawPointer(dst).storeBytes(of: UnsafeRawPointer(src).loadUnaligned(as: UInt64.self), as: UInt64.self)
                    src += 8; dst += 8
                } while dst < end
            } else if distance == 1 {
                dst.update(repeating: src.pointee, count: length)
            } else {
                for _ in 0..<length { dst.pointee = src.pointee; dst += 1; src += 1 }
            }
        }
    }
}

extension GzipInflater {
    /// Decompresses a whole gzip stream held in memory (tests, small data).
    public static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        var pos = 0
        var out: [UInt8] = []
        let z = GzipInflater { buf in
            let n = min(buf.count, data.count - pos)
            if n > 0 { data.withUnsafeBytes { buf.baseAddress!.copyMemory(from: $0.baseAddress! + pos, byteCount: n) } }
            pos += n
            return n
        }
        try z.run { out.append(contentsOf: $0) }
        return out
    }
}
