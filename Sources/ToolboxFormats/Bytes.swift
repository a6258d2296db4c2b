// Allocation-free helpers for parsing the ASCII text of /proc files.

public typealias Bytes = UnsafeBufferPointer<UInt8>

public enum ASCII {
    public static let space: UInt8 = 0x20, tab: UInt8 = 0x09, newline: UInt8 = 0x0A
    public static let colon: UInt8 = 0x3A, comma: UInt8 = 0x2C, nul: UInt8 = 0
    public static let zero: UInt8 = 0x30, nine: UInt8 = 0x39
    public static let closeParen: UInt8 = 0x29, openParen: UInt8 = 0x28

    @inline(__always) public static func isSpace(_ c: UInt8) -> Bool { c == space || c == tab || c == newline || c == 0x0D }
    @inline(__always) public static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= nine }
    @inline(__always) public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// A cursor over bytes. Every read returns nil rather than trapping on
/// malformed or truncated input.
public struct ByteScanner {
    public let bytes: Bytes
    public var position: Int

    public init(_ bytes: Bytes, position: Int = 0) { self.bytes = bytes; self.position = position }

    public var atEnd: Bool { position >= bytes.count }
    public var remaining: Bytes { Bytes(rebasing: bytes[min(position, bytes.count)...]) }

    @inline(__always) public mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == ASCII.space || bytes[position] == ASCII.tab { position += 1 }
    }

    /// Skips to just past the next `byte`; false (at end) if there is none.
    @discardableResult
    public mutating func skip(past byte: UInt8) -> Bool {
        while position < bytes.count {
            let c = bytes[position]; position += 1
            if c == byte { return true }
        }
        return false
    }

    /// The bytes up to (not including) the next space/tab/newline; skips leading blanks.
    public mutating func field() -> Bytes? {
        skipSpaces()
        let start = position
        while position < bytes.count, !ASCII.isSpace(bytes[position]) { position += 1 }
        return position > start ? Bytes(rebasing: bytes[start..<position]) : nil
    }

    /// The bytes up to the next `byte` (consumed, not returned), or to the end.
    public mutating func upTo(_ byte: UInt8) -> Bytes {
        let start = position
        while position < bytes.count, bytes[position] != byte { position += 1 }
        let r = Bytes(rebasing: bytes[start..<position])
        if position < bytes.count { position += 1 }
        return r
    }

    /// A decimal integer, optionally signed; skips leading blanks. Nil on no digits or overflow.
    public mutating func int() -> Int64? {
        skipSpaces()
        var neg = false
        if position < bytes.count, bytes[position] == 0x2D { neg = true; position += 1 }
        guard let v = uint() else { return nil }
        if neg { return v <= UInt64(Int64.max) + 1 ? (v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)) : nil }
        return v <= UInt64(Int64.max) ? Int64(v) : nil
    }

    /// An unsigned decimal integer; skips leading blanks. Nil on no digits or overflow.
    public mutating func uint() -> UInt64? {
        skipSpaces()
        var v: UInt64 = 0
        let start = position
        while position < bytes.count, ASCII.isDigit(bytes[position]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(bytes[position] - ASCII.zero))
            if o1 || o2 { return nil }
            v = a; position += 1
        }
        return position > start ? v : nil
    }

    /// A hexadecimal integer (no 0x prefix); skips leading blanks. Nil on no digits or > 64 bits.
    public mutating func hex() -> UInt64? {
        skipSpaces()
        var v: UInt64 = 0
        let start = position
        while position < bytes.count, let d = ASCII.hexValue(bytes[position]) {
            if v >> 60 != 0 { return nil }
            v = v << 4 | UInt64(d); position += 1
        }
        return position > start ? v : nil
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Byte-wise equality with an ASCII string literal.
    @inline(__always)
    public func equals(_ s: StaticString) -> Bool {
        guard s.utf8CodeUnitCount == count else { return false }
        let p = s.utf8Start
        for i in 0..<count where self[i] != p[i] { return false }
        return true
    }

    /// A String decoded as UTF-8 (invalid sequences replaced), for output.
    public var string: String { String(decoding: self, as: UTF8.self) }

    /// Parses the whole buffer as an unsigned decimal number.
    public var decimalValue: UInt64? {
        var s = ByteScanner(self)
        guard let v = s.uint(), s.atEnd else { return nil }
        return v
    }

    /// Index of the last occurrence of `byte`. Eight bytes at a time from
    /// the end until a word holds it (PidStat.parse looks for stat's last
    /// ')' from the end of a 300-byte line, for every process).
    public func lastIndex(of byte: UInt8) -> Int? {
        guard let base = baseAddress else { return nil }
        var i = count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let pattern = UInt64(byte) &* ones
        while i >= 8 {
            // A zero byte in w (the exact test: no false positives for
            // "some byte is zero") marks a match in base[i-8..<i].
            let w = UnsafeRawPointer(base + (i - 8)).loadUnaligned(as: UInt64.self) ^ pattern
            if (w &- ones) & ~w & (ones &* 0x80) != 0 { break }
            i -= 8
        }
        while i > 0 { i -= 1; if base[i] == byte { return i } }
        return nil
    }
}

/// Runs `body` on the bytes of `array` (test and cold-path convenience).
@inline(__always)
public func withBytes<R>(_ array: [UInt8], _ body: (Bytes) throws -> R) rethrows -> R {
    try array.withUnsafeBufferPointer { try body($0) }
}

// MARK: - Joining strings without the runtime's type lookup

extension Sequence where Element == String {
    /// `joined(separator:)`, compiled here for concrete String sequences.
    /// The stdlib's `joined(separator:)` is not specialized for them: its
    /// first call in a process resolves the `Element` associated type at run
    /// time (demangling, then a linear scan of every protocol conformance
    /// record in the binary), ~40 us each time a new sequence type is seen.
    /// That was an eighth of `ps -ef`'s user time (bench/results/sh.md).
    @inlinable
    public func joinedText(_ separator: String) -> String {
        var out = ""
        var first = true
        for s in self {
            if !first { out += separator }
            first = false
            out += s
        }
        return out
    }
}

extension Sequence where Element == Substring {
    /// `joined(separator:)` for Substrings (see the String version).
    @inlinable
    public func joinedText(_ separator: String) -> String {
        var out = ""
        var first = true
        for s in self {
            if !first { out += separator }
            first = false
            out.append(contentsOf: s)
        }
        return out
    }
}
