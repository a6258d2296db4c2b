// gzip compression: one RFC 1952 member of RFC 1951 DEFLATE blocks.
// Pure: bytes in through `write`, compressed bytes out through a closure.
//
// LZ77 with hash chains and lazy matching (zlib's deflate_slow, with
// zlib's per-level parameters), blocks of up to 16 Ki symbols, each sent as
// whichever of dynamic Huffman, fixed Huffman or stored is smallest.
// Memory is fixed at creation (a 256 KiB window, 32 Ki hash heads and chain
// links, one symbol buffer, one output buffer).

public final class GzipDeflater {
    public typealias Output = (UnsafeRawBufferPointer) throws -> Void

    private static let wsize = 1 << 15, wmask = (1 << 15) - 1
    private static let hashBits = 15
    private static let minMatch = 3, maxMatch = 258, minLookahead = 262
    private static let maxDist = (1 << 15) - 262
    private static let symCap = 1 << 14

    private let output: Output
    private let winCap = 1 << 18
    private let win: UnsafeMutablePointer<UInt8>
    private let head: UnsafeMutablePointer<Int32>
    private let prev: UnsafeMutablePointer<Int32>
    private var s = 0, end = 0          // current position, end of data in win
    private var blockStart = 0, tallied = 0
    private var matchLength = 2, matchStart = 0, prevLength = 2, prevMatch = 0
    private var matchAvailable = false

    // Level parameters (zlib's configuration_table).
    private let good: Int, lazy: Int, nice: Int, chain: Int

    private let syms: UnsafeMutablePointer<UInt32>   // literal, or length | dist << 16
    private var nsyms = 0
    private let litFreq: UnsafeMutablePointer<UInt32>   // 286
    private let distFreq: UnsafeMutablePointer<UInt32>  // 30

    private let out: UnsafeMutablePointer<UInt8>
    private let outCap = 1 << 17
    private var outLen = 0
    private var bitBuf: UInt64 = 0, bitCount = 0

    private var crc: UInt32 = 0
    private var size: UInt32 = 0
    private var finished = false

    private let lengthCode: [UInt8]    // length - 3 -> 0...28
    private let distCodeSmall: [UInt8] // dist - 1 (< 256) -> code; larger: 256 + (dist - 1) >> 7
    private var fixedLitLen = [UInt8](repeating: 0, count: 288)
    private var fixedLitCode = [UInt16](repeating: 0, count: 288)
    private var fixedDistCode = [UInt16](repeating: 0, count: 30)

    public init(level: Int = 6, mtime: UInt32 = 0, output: @escaping Output) {
        self.output = output
        let params: [(Int, Int, Int, Int)] = [(4, 4, 8, 4), (4, 4, 8, 4), (4, 5, 16, 8), (4, 6, 32, 32),
                                               (4, 4, 16, 16), (8, 16, 32, 32), (8, 16, 128, 128),
                                               (8, 32, 128, 256), (32, 128, 258, 1024), (32, 258, 258, 4096)]
        (good, lazy, nice, chain) = params[min(max(level, 1), 9)]
        win = .allocate(capacity: winCap + 16)
        win.initialize(repeating: 0, count: winCap + 16)
        head = .allocate(capacity: 1 << Self.hashBits)
        head.initialize(repeating: -1, count: 1 << Self.hashBits)
        prev = .allocate(capacity: Self.wsize)
        prev.initialize(repeating: -1, count: Self.wsize)
        syms = .allocate(capacity: Self.symCap)
        litFreq = .allocate(capacity: 286); litFreq.initialize(repeating: 0, count: 286)
        distFreq = .allocate(capacity: 30); distFreq.initialize(repeating: 0, count: 30)
        out = .allocate(capacity: outCap + 64)
        var lc = [UInt8](repeating: 0, count: 256)
        for code in 0..<28 {
            let b = Int(DeflateTables.lengthBase[code]) - 3
            for k in 0..<(1 << Int(DeflateTables.lengthExtra[code])) where b + k < 256 { lc[b + k] = UInt8(code) }
        }
        lc[255] = 28
        lengthCode = lc
        var dc = [UInt8](repeating: 0, count: 512)
        for code in 0..<30 {
            let b = Int(DeflateTables.distBase[code]) - 1
            for k in 0..<(1 << Int(DeflateTables.distExtra[code])) {
                let d = b + k
                if d < 256 { dc[d] = UInt8(code) } else { dc[256 + (d >> 7)] = UInt8(code) }
            }
        }
        distCodeSmall = dc
        for i in 0..<288 { fixedLitLen[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8 }
        fixedLitCode = Self.canonicalCodes(fixedLitLen)
        fixedDistCode = Self.canonicalCodes([UInt8](repeating: 5, count: 30))
        // Header: magic, CM=8, FLG=0, MTIME, XFL, OS=3 (Unix).
        let xfl: UInt8 = level >= 9 ? 2 : level <= 1 ? 4 : 0
        let header: [UInt8] = [0x1F, 0x8B, 8, 0, UInt8(mtime & 0xFF), UInt8((mtime >> 8) & 0xFF),
                               UInt8((mtime >> 16) & 0xFF), UInt8(mtime >> 24), xfl, 3]
        for b in header { out[outLen] = b; outLen += 1 }
    }

    deinit {
        win.deallocate(); head.deallocate(); prev.deallocate(); syms.deallocate()
        litFreq.deallocate(); distFreq.deallocate(); out.deallocate()
    }

    // MARK: - input

    /// Compresses `count` more bytes.
    public func write(_ bytes: UnsafeRawPointer, _ count: Int) throws {
        var p = bytes, n = count
        crc = CRC32.update(crc, bytes, count)
        size &+= UInt32(truncatingIfNeeded: count)
        while n > 0 {
            if end == winCap { try slide() }
            let k = min(n, winCap - end)
            (win + end).update(from: p.assumingMemoryBound(to: UInt8.self), count: k)
            end += k; p += k; n -= k
            try compress(finishing: false)
        }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        if let b = buffer.baseAddress, buffer.count > 0 { try write(b, buffer.count) }
    }

    /// Ends the member: the last block, the CRC-32 and ISIZE trailer.
    public func finish() throws {
        if finished { return }
        finished = true
        try compress(finishing: true)
        if matchAvailable { tally(lit: win[s - 1]); matchAvailable = false }
        try flushBlock(last: true)
        if bitCount > 0 { putBits(0, (8 - bitCount % 8) % 8) }
        while bitCount > 0 { out[outLen] = UInt8(truncatingIfNeeded: bitBuf); outLen += 1; bitBuf >>= 8; bitCount -= 8 }
        for v in [crc, size] { for i in 0..<4 { out[outLen] = UInt8((v >> UInt32(8 * i)) & 0xFF); outLen += 1 } }
        try flushOut()
    }

    /// Drops the oldest data to make room, keeping 32 KiB of history.
    private func slide() throws {
        let shift = s - Self.wsize
        if shift <= 0 { return }
        if blockStart < shift { try flushBlock(last: false) }
        (win).update(from: win + shift, count: end - shift)
        end -= shift; s -= shift; blockStart -= shift; tallied -= shift
        matchStart -= shift; prevMatch -= shift
        let sh = Int32(shift)
        for i in 0..<(1 << Self.hashBits) { let v = head[i] - sh; head[i] = v < 0 ? -1 : v }
        for i in 0..<Self.wsize { let v = prev[i] - sh; prev[i] = v < 0 ? -1 : v }
    }

    // MARK: - LZ77

    @inline(__always) private func hash(_ p: Int) -> Int {
        let v = UInt32(win[p]) | UInt32(win[p + 1]) << 8 | UInt32(win[p + 2]) << 16
        return Int((v &* 2654435761) >> UInt32(32 - Self.hashBits))
    }

    /// Inserts position p into its hash chain; returns the previous head.
    @inline(__always) private func insert(_ p: Int) -> Int {
        let h = hash(p)
        let old = head[h]
        prev[p & Self.wmask] = old
        head[h] = Int32(p)
        return Int(old)
    }

    private func longestMatch(_ start: Int) -> Int {
        var chainLeft = prevLength >= good ? chain >> 2 : chain
        let limit = s > Self.maxDist ? s - Self.maxDist : 0
        var best = prevLength
        let maxLen = min(Self.maxMatch, end - s)
        if maxLen <= best { return best }
        let niceLen = min(nice, maxLen)
        let w = UnsafeRawPointer(win), pv = prev
        let scan = w + s
        let scanStart = scan.loadUnaligned(as: UInt16.self)
        var scanEnd = (scan + best - 1).loadUnaligned(as: UInt16.self)
        var cur = start
        var ms = matchStart
        while true {
            let m = w + cur
            if (m + best - 1).loadUnaligned(as: UInt16.self) == scanEnd && m.loadUnaligned(as: UInt16.self) == scanStart {
                var len = 2
                while true {
                    if len + 8 > maxLen {
                        while len < maxLen && m.load(fromByteOffset: len, as: UInt8.self) == scan.load(fromByteOffset: len, as: UInt8.self) { len &+= 1 }
                        break
                    }
                    let x = (m + len).loadUnaligned(as: UInt64.self) ^ (scan + len).loadUnaligned(as: UInt64.self)
                    if x != 0 { len &+= x.trailingZeroBitCount &>> 3; break }
                    len &+= 8
                }
                if len > best {
                    best = len; ms = cur
                    if len >= niceLen { break }
                    scanEnd = (scan + best - 1).loadUnaligned(as: UInt16.self)
                }
            }
            chainLeft &-= 1
            if chainLeft == 0 { break }
            let next = Int(pv[cur & Self.wmask])
            if next < limit || next >= cur { break }
            cur = next
        }
        matchStart = ms
        return best
    }

    private func compress(finishing: Bool) throws {
        while true {
            let lookahead = end - s
            if lookahead == 0 || (!finishing && lookahead < Self.minLookahead) { return }
            var hashHead = -1
            if lookahead >= Self.minMatch { hashHead = insert(s) }
            prevLength = matchLength; prevMatch = matchStart
            matchLength = Self.minMatch - 1
            if hashHead >= 0 && prevLength < lazy && s - hashHead <= Self.maxDist {
                matchLength = longestMatch(hashHead)
                if matchLength <= prevLength { matchLength = Self.minMatch - 1; matchStart = prevMatch }
                if matchLength == Self.minMatch && s - matchStart > 4096 { matchLength = Self.minMatch - 1 }
            }
            if prevLength >= Self.minMatch && matchLength <= prevLength {
                let maxInsert = end - Self.minMatch
                tally(length: prevLength, dist: s - 1 - prevMatch)
                // Insert the strings of the match (the first two are in).
                var k = prevLength - 2
                while k > 0 {
                    s += 1
                    if s <= maxInsert { _ = insert(s) }
                    k -= 1
                }
                matchAvailable = false
                matchLength = Self.minMatch - 1
                s += 1
                if nsyms == Self.symCap { try flushBlock(last: false) }
            } else if matchAvailable {
                tally(lit: win[s - 1])
                s += 1
                if nsyms == Self.symCap { try flushBlock(last: false) }
            } else {
                matchAvailable = true
                s += 1
            }
        }
    }

    @inline(__always) private func tally(lit: UInt8) {
        syms[nsyms] = UInt32(lit); nsyms += 1
        litFreq[Int(lit)] += 1
        tallied += 1
    }

    @inline(__always) private func distCode(_ d: Int) -> Int {
        Int(d - 1 < 256 ? distCodeSmall[d - 1] : distCodeSmall[256 + ((d - 1) >> 7)])
    }

    @inline(__always) private func tally(length: Int, dist: Int) {
        syms[nsyms] = UInt32(length) | UInt32(dist) << 16; nsyms += 1
        litFreq[257 + Int(lengthCode[length - 3])] += 1
        distFreq[distCode(dist)] += 1
        tallied += length
    }

    // MARK: - bits

    @inline(__always) private func putBits(_ v: UInt64, _ n: Int) {
        bitBuf |= v << UInt64(bitCount)
        bitCount += n
        if bitCount >= 32 {
            UnsafeMutableRawPointer(out + outLen).storeBytes(of: UInt32(truncatingIfNeeded: bitBuf).littleEndian, as: UInt32.self)
            outLen += 4; bitBuf >>= 32; bitCount -= 32
        }
    }

    private func flushOut() throws {
        if outLen > 0 {
            let n = outLen
            outLen = 0
            try output(UnsafeRawBufferPointer(start: out, count: n))
        }
    }

    // MARK: - blocks

    /// Canonical codes (bit-reversed for output) for code lengths.
    static func canonicalCodes(_ lens: [UInt8]) -> [UInt16] {
        var count = [Int](repeating: 0, count: 16)
        for l in lens { count[Int(l)] += 1 }
        count[0] = 0
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for l in 1..<16 { code = (code + count[l - 1]) << 1; next[l] = code }
        var codes = [UInt16](repeating: 0, count: lens.count)
        for (s, l) in lens.enumerated() where l > 0 {
            var c = next[Int(l)]; next[Int(l)] += 1
            var r = 0
            for _ in 0..<Int(l) { r = (r << 1) | (c & 1); c >>= 1 }
            codes[s] = UInt16(r)
        }
        return codes
    }

    /// Huffman code lengths for `freq`, at most `limit` bits (frequencies
    /// are halved until the tree fits). At least two codes are given lengths
    /// so every decoder accepts the code.
    static func codeLengths(_ freqIn: [UInt32], limit: Int) -> [UInt8] {
        let n = freqIn.count
        var freq = freqIn
        var lens = [UInt8](repeating: 0, count: n)
        var used = (0..<n).filter { freq[$0] > 0 }
        if used.count < 2 {
            for s in 0..<n where used.count < 2 && !used.contains(s) { used.append(s); freq[s] = 1 }
            used.sort()
        }
        while true {
            let leaves = used.sorted { freq[$0] != freq[$1] ? freq[$0] < freq[$1] : $0 < $1 }
            let m = leaves.count
            // Nodes 0..<m leaves (in sorted order), m..<2m-1 internal.
            var weight = [UInt64](repeating: 0, count: 2 * m)
            var parent = [Int](repeating: 0, count: 2 * m)
            for (i, s) in leaves.enumerated() { weight[i] = UInt64(freq[s]) }
            var li = 0, ii = m, next = m
            func pick() -> Int {
                if li < m && (ii >= next || weight[li] <= weight[ii]) { li += 1; return li - 1 }
                ii += 1; return ii - 1
            }
            while next < 2 * m - 1 {
                let a = pick(), b = pick()
                weight[next] = weight[a] + weight[b]
                parent[a] = next; parent[b] = next
                next += 1
            }
            var depth = [Int](repeating: 0, count: 2 * m)
            var maxDepth = 0
            if 2 * m - 2 >= 0 { depth[2 * m - 2] = 0 }
            var i = 2 * m - 3
            while i >= 0 { depth[i] = depth[parent[i]] + 1; maxDepth = max(maxDepth, depth[i]); i -= 1 }
            if maxDepth <= limit {
                for (k, s) in leaves.enumerated() { lens[s] = UInt8(depth[k]) }
                return lens
            }
            for s in used { freq[s] = (freq[s] + 1) / 2 }
        }
    }

    private func sendCodes(litLen: [UInt8], litCode: [UInt16], distLen: [UInt8], distCode dcodes: [UInt16]) throws {
        for i in 0..<nsyms {
            let v = syms[i]
            if v < 256 {
                putBits(UInt64(litCode[Int(v)]), Int(litLen[Int(v)]))
            } else {
                let length = Int(v & 0xFFFF), dist = Int(v >> 16)
                let lc = Int(lengthCode[length - 3])
                putBits(UInt64(litCode[257 + lc]), Int(litLen[257 + lc]))
                let lx = Int(DeflateTables.lengthExtra[lc])
                if lx > 0 { putBits(UInt64(length - Int(DeflateTables.lengthBase[lc])), lx) }
                let dc = distCode(dist)
                putBits(UInt64(dcodes[dc]), Int(distLen[dc]))
                let dx = Int(DeflateTables.distExtra[dc])
                if dx > 0 { putBits(UInt64(dist - Int(DeflateTables.distBase[dc])), dx) }
            }
            if outLen >= outCap { try flushOut() }
        }
        putBits(UInt64(litCode[256]), Int(litLen[256]))
    }

    /// Emits the symbols tallied since the last block as one block.
    private func flushBlock(last: Bool) throws {
        if outLen >= outCap / 2 { try flushOut() }
        litFreq[256] = 1
        let lf = Array(UnsafeBufferPointer(start: litFreq, count: 286))
        let df = Array(UnsafeBufferPointer(start: distFreq, count: 30))
        let litLen = Self.codeLengths(lf, limit: 15)
        let distLen = Self.codeLengths(df, limit: 15)
        var extraBits = 0
        for c in 0..<29 { extraBits += Int(lf[257 + c]) * Int(DeflateTables.lengthExtra[c]) }
        for c in 0..<30 { extraBits += Int(df[c]) * Int(DeflateTables.distExtra[c]) }
        var dynBits = extraBits, fixBits = extraBits
        for s in 0..<286 { dynBits += Int(lf[s]) * Int(litLen[s]); fixBits += Int(lf[s]) * Int(fixedLitLen[s]) }
        for s in 0..<30 { dynBits += Int(df[s]) * Int(distLen[s]); fixBits += Int(df[s]) * 5 }
        // The dynamic header: run-length coded lengths.
        var hlit = 286; while hlit > 257 && litLen[hlit - 1] == 0 { hlit -= 1 }
        var hdist = 30; while hdist > 1 && distLen[hdist - 1] == 0 { hdist -= 1 }
        let all = Array(litLen[0..<hlit]) + Array(distLen[0..<hdist])
        var rle: [(UInt8, UInt8)] = []   // (symbol, extra value)
        var i = 0
        while i < all.count {
            let l = all[i]
            var run = 1
            while i + run < all.count && all[i + run] == l { run += 1 }
            var left = run
            if l == 0 {
                while left >= 11 { let k = min(left, 138); rle.append((18, UInt8(k - 11))); left -= k }
                if left >= 3 { rle.append((17, UInt8(left - 3))); left = 0 }
            } else {
                rle.append((l, 0)); left -= 1
                while left >= 3 { let k = min(left, 6); rle.append((16, UInt8(k - 3))); left -= k }
            }
            for _ in 0..<left { rle.append((l, 0)) }
            i += run
        }
        var clFreq = [UInt32](repeating: 0, count: 19)
        for (sym, _) in rle { clFreq[Int(sym)] += 1 }
        let clLen = Self.codeLengths(clFreq, limit: 7)
        let clCode = Self.canonicalCodes(clLen)
        var hclen = 19; while hclen > 4 && clLen[DeflateTables.codeLengthOrder[hclen - 1]] == 0 { hclen -= 1 }
        var headerBits = 14 + 3 * hclen
        for (sym, _) in rle { headerBits += Int(clLen[Int(sym)]) + (sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0) }
        dynBits += headerBits
        let rawLen = tallied - blockStart
        let storedBits = rawLen * 8 + ((rawLen + 65534) / 65535) * 32 + 7 + (rawLen == 0 ? 32 : 0)
        let bfinal: UInt64 = last ? 1 : 0
        if storedBits <= min(dynBits, fixBits) + 3 {
            var p = blockStart, left = rawLen
            repeat {
                let k = min(left, 65535)
                let lastChunk = left - k == 0
                putBits((lastChunk ? bfinal : 0), 3)
                if bitCount > 0 { putBits(0, (8 - bitCount % 8) % 8) }
                while bitCount > 0 { out[outLen] = UInt8(truncatingIfNeeded: bitBuf); outLen += 1; bitBuf >>= 8; bitCount -= 8 }
                for b in [UInt8(k & 0xFF), UInt8(k >> 8), UInt8(~k & 0xFF), UInt8((~k >> 8) & 0xFF)] { out[outLen] = b; outLen += 1 }
                var done = 0
                while done < k {
                    if outLen >= outCap { try flushOut() }
                    let c = min(k - done, outCap - outLen)
                    (out + outLen).update(from: win + p + done, count: c)
                    outLen += c; done += c
                }
                p += k; left -= k
            } while left > 0
        } else if fixBits <= dynBits {
            putBits(bfinal | 2, 3)
            try sendCodes(litLen: fixedLitLen, litCode: fixedLitCode, distLen: [UInt8](repeating: 5, count: 30), distCode: fixedDistCode)
        } else {
            putBits(bfinal | 4, 3)
            putBits(UInt64(hlit - 257), 5); putBits(UInt64(hdist - 1), 5); putBits(UInt64(hclen - 4), 4)
            for k in 0..<hclen { putBits(UInt64(clLen[DeflateTables.codeLengthOrder[k]]), 3) }
            for (sym, extra) in rle {
                putBits(UInt64(clCode[Int(sym)]), Int(clLen[Int(sym)]))
                switch sym {
                case 16: putBits(UInt64(extra), 2)
                case 17: putBits(UInt64(extra), 3)
                case 18: putBits(UInt64(extra), 7)
                default: break
                }
            }
            try sendCodes(litLen: litLen, litCode: Self.canonicalCodes(litLen), distLen: distLen, distCode: Self.canonicalCodes(distLen))
        }
        nsyms = 0
        for k in 0..<286 { litFreq[k] = 0 }
        for k in 0..<30 { distFreq[k] = 0 }
        blockStart = tallied
        if outLen >= outCap / 2 { try flushOut() }
    }
}

extension GzipDeflater {
    /// Compresses bytes held in memory into one gzip member (tests, small data).
    public static func compress(_ data: [UInt8], level: Int = 6) throws -> [UInt8] {
        var result: [UInt8] = []
        let z = GzipDeflater(level: level) { result.append(contentsOf: $0) }
        try data.withUnsafeBytes { try z.write($0) }
        try z.finish()
        return result
    }
}
