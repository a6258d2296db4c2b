import ToolboxFormats
import ToolboxSystem

// The one JSON writer (issue 10: one escaper). Every `--json` document is
// written through `JSONWriter`, directly (tables, streamed row by row: no
// tree per row) or from a `JSON` value (inspect). Key names and types per
// applet are in docs/json.md.

/// Writes JSON text to an OutputWriter, compact, inserting the commas
/// itself: `w.beginObject(); w.key("pid").int(1); w.endObject()`.
public final class JSONWriter {
    public let out: OutputWriter
    /// A member or element was written at the current level (so the next
    /// needs a comma); false right after `{`, `[` or a key.
    private var needComma = false

    public init(_ out: OutputWriter) { self.out = out }

    @inline(__always) private func separate() {
        if needComma { out.byte(ASCII.comma) }
        needComma = true
    }

    @discardableResult public func beginObject() -> JSONWriter { separate(); out.byte(0x7B); needComma = false; return self }
    @discardableResult public func endObject() -> JSONWriter { out.byte(0x7D); needComma = true; return self }
    @discardableResult public func beginArray() -> JSONWriter { separate(); out.byte(0x5B); needComma = false; return self }
    @discardableResult public func endArray() -> JSONWriter { out.byte(0x5D); needComma = true; return self }

    /// A member name; the value follows.
    @discardableResult public func key(_ k: StaticString) -> JSONWriter {
        separate()
        out.byte(0x22); out.write(k); out.byte(0x22); out.byte(ASCII.colon)
        needComma = false
        return self
    }

    @discardableResult public func key(_ k: String) -> JSONWriter {
        separate()
        JSONWriter.escape(k, out); out.byte(ASCII.colon)
        needComma = false
        return self
    }

    @discardableResult public func null() -> JSONWriter { separate(); out.write("null" as StaticString); return self }
    @discardableResult public func bool(_ b: Bool) -> JSONWriter { separate(); out.write(b ? "true" as StaticString : "false"); return self }
    @discardableResult public func bool(_ b: Bool?) -> JSONWriter { b.map { bool($0) } ?? null() }

    @discardableResult public func int<T: BinaryInteger>(_ v: T) -> JSONWriter { separate(); out.decimal(v); return self }
    @discardableResult public func int<T: BinaryInteger>(_ v: T?) -> JSONWriter { v.map { int($0) } ?? null() }

    /// `magnitude / 10^decimals` written exactly (negated when `negative`):
    /// fixed(1234, decimals: 2) is 12.34.
    @discardableResult public func fixed(_ magnitude: UInt64, decimals: Int, negative: Bool = false) -> JSONWriter {
        var p: UInt64 = 1
        for _ in 0..<min(decimals, 19) { p &*= 10 }
        return decimal(magnitude / p, fraction: magnitude % p, digits: min(decimals, 19), negative: negative)
    }

    /// A time as epoch seconds with its nanoseconds as nine exact decimals
    /// (1700000000.123456789; -1.75 for 1.75 s before the epoch).
    @discardableResult public func time(seconds: Int64, nanoseconds: Int) -> JSONWriter {
        let ns = UInt64(max(0, min(nanoseconds, 999_999_999)))
        if seconds >= 0 { return decimal(UInt64(seconds), fraction: ns, digits: 9, negative: false) }
        // (-2 s, 250000000 ns) is -1.75 s.
        if ns == 0 { return decimal(seconds.magnitude, fraction: 0, digits: 9, negative: true) }
        return decimal((seconds + 1).magnitude, fraction: 1_000_000_000 - ns, digits: 9, negative: true)
    }

    /// `whole.fraction`, the fraction zero-padded to `digits` (<= 19).
    private func decimal(_ whole: UInt64, fraction: UInt64, digits: Int, negative: Bool) -> JSONWriter {
        separate()
        if negative { out.byte(0x2D) }
        out.decimal(whole)
        guard digits > 0 else { return self }
        out.byte(0x2E)
        var scratch = (UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &scratch) { d in
            var f = fraction
            for i in stride(from: digits - 1, through: 0, by: -1) { d[i] = UInt8(f % 10) + ASCII.zero; f /= 10 }
            out.write(Bytes(rebasing: d.bindMemory(to: UInt8.self)[0..<digits]))
        }
        return self
    }

    /// A double (null when not finite: JSON has no NaN or infinity).
    @discardableResult public func double(_ d: Double) -> JSONWriter {
        guard d.isFinite else { return null() }
        separate()
        if d == d.rounded() && abs(d) < 1e15 { out.decimal(Int64(d)) } else { out.write(String(d)) }
        return self
    }

    @discardableResult public func string(_ s: String) -> JSONWriter { separate(); JSONWriter.escape(s, out); return self }
    @discardableResult public func string(_ s: String?) -> JSONWriter { s.map { string($0) } ?? null() }
    @discardableResult public func string(_ s: StaticString) -> JSONWriter {
        separate()
        JSONWriter.escape(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount), out)
        return self
    }

    /// Bytes that should be UTF-8 but come from outside (file names,
    /// command lines, socket paths): see `escape`.
    @discardableResult public func string(bytes: Bytes) -> JSONWriter { separate(); JSONWriter.escape(bytes, out); return self }
    @discardableResult public func string(bytes: ArraySlice<UInt8>) -> JSONWriter {
        separate()
        bytes.withUnsafeBufferPointer { JSONWriter.escape($0, out) }
        return self
    }

    /// Writes the value (and its nested values).
    @discardableResult public func value(_ v: JSON) -> JSONWriter {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let a):
            beginArray()
            for e in a { value(e) }
            endArray()
        case .object(let members):
            beginObject()
            for (k, e) in members { key(k); value(e) }
            endObject()
        }
        return self
    }

    // MARK: the escaper

    /// A JSON string literal (RFC 8259) of `s`.
    public static func escape(_ s: String, _ o: OutputWriter) {
        var s = s
        s.withUTF8 { escape($0, o) }
    }

    /// A JSON string literal of bytes that should be UTF-8:
    /// - `"` and `\` escaped; `\n`, `\r`, `\t`, `\b`, `\f` by name; other C0
    ///   controls, DEL and the C1 controls (U+0080-U+009F) as `\u00XX`, so
    ///   a container-chosen name cannot drive a terminal showing the JSON;
    /// - valid UTF-8 (RFC 3629: no overlongs, no surrogates, at most
    ///   U+10FFFF) copied as it is;
    /// - every other byte B as `\uDCBB` (a lone low surrogate, Python's
    ///   "surrogateescape", PEP 383): the document stays valid JSON text, and
    ///   `s.encode("utf-8", "surrogateescape")` gives back the exact bytes
    ///   (other parsers may show U+FFFD).
    public static func escape(_ b: UnsafeBufferPointer<UInt8>, _ o: OutputWriter) {
        o.byte(0x22)
        let n = b.count
        var i = 0, start = 0
        @inline(__always) func flush(_ upTo: Int) {
            if upTo > start { o.write(Bytes(rebasing: b[start..<upTo])) }
        }
        while i < n {
            let c = b[i]
            if c >= 0x20 && c < 0x7F && c != 0x22 && c != 0x5C { i += 1; continue }
            if c >= 0x80 {
                let len = utf8Length(b, i)
                if len > 0 && !(c == 0xC2 && b[i + 1] < 0xA0) { i += len; continue }
                flush(i)
                if len == 2 { o.write("\\u00" as StaticString); o.hex(UInt64(b[i + 1]), digits: 2); i += 2 }
                else { o.write("\\udc" as StaticString); o.hex(UInt64(c), digits: 2); i += 1 }
                start = i
                continue
            }
            flush(i)
            switch c {
            case 0x22: o.write("\\\"" as StaticString)
            case 0x5C: o.write("\\\\" as StaticString)
            case 0x0A: o.write("\\n" as StaticString)
            case 0x0D: o.write("\\r" as StaticString)
            case 0x09: o.write("\\t" as StaticString)
            case 0x08: o.write("\\b" as StaticString)
            case 0x0C: o.write("\\f" as StaticString)
            default: o.write("\\u00" as StaticString); o.hex(UInt64(c), digits: 2)
            }
            i += 1
            start = i
        }
        flush(n)
        o.byte(0x22)
    }

    public static func escape(_ b: [UInt8], _ o: OutputWriter) {
        b.withUnsafeBufferPointer { escape($0, o) }
    }

    /// The length of the valid UTF-8 sequence starting at `i` (lead byte
    /// >= 0x80), or 0.
    @inline(__always) static func utf8Length(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = b[i], n = b.count
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < n && b[i + k] >= lo && b[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xE1...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}

/// A table as one JSON document: an array of row objects, one per line
/// (`[\n{...},\n{...}\n]`, `[]` when empty), or with `lines` as JSON Lines
/// (one object per line, nothing when empty; ps and netstat `--jsonl`).
public final class JSONTable {
    public let w: JSONWriter
    public let lines: Bool
    public private(set) var rows = 0

    public init(_ out: OutputWriter, lines: Bool = false) {
        w = JSONWriter(out); self.lines = lines
    }

    /// Opens a row's object: the caller writes its members.
    @discardableResult public func beginRow() -> JSONWriter {
        if !lines { w.out.write(rows == 0 ? "[\n" as StaticString : ",\n") }
        rows += 1
        w.reset()
        return w.beginObject()
    }

    public func endRow() {
        w.endObject()
        if lines { w.out.byte(ASCII.newline) }
    }

    /// Closes the array (call once, after the last row).
    public func finish() {
        if !lines { w.out.write(rows == 0 ? "[]\n" as StaticString : "\n]\n") }
    }
}

extension JSONWriter {
    /// Back at the top level (no comma owed).
    func reset() { needComma = false }
}

/// A JSON value built by an applet and written once (inspect: sections of
/// different shapes). Objects keep their keys in insertion order, so output
/// is stable. Written through JSONWriter.
public indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func uint(_ v: UInt64) -> JSON { v > UInt64(Int64.max) ? .double(Double(v)) : .int(Int64(v)) }
    public static func number<T: BinaryInteger>(_ v: T?) -> JSON { v.map { .int(Int64(truncatingIfNeeded: $0)) } ?? .null }
    public static func text(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }

    /// Writes the value (compact, then one newline when `newline`).
    public func write(to o: OutputWriter, newline: Bool = true) {
        JSONWriter(o).value(self)
        if newline { o.byte(ASCII.newline) }
    }

    /// A JSON string literal (see JSONWriter.escape).
    public static func writeString(_ s: String, _ o: OutputWriter) { JSONWriter.escape(s, o) }
}
