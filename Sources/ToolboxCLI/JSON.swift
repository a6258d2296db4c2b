import ToolboxFormats
import ToolboxSystem

/// A JSON value built by an applet and written once (`--json`: one document
/// per invocation, numbers as numbers; key names in docs/json.md). Objects
/// keep their keys in insertion order, so output is stable.
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
        emit(o)
        if newline { o.byte(ASCII.newline) }
    }

    private func emit(_ o: OutputWriter) {
        switch self {
        case .null: o.write("null")
        case .bool(let b): o.write(b ? "true" : "false")
        case .int(let v): o.decimal(v)
        case .double(let d):
            if d.isFinite { o.write(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)) } else { o.write("null") }
        case .string(let s): JSON.writeString(s, o)
        case .array(let a):
            o.byte(0x5B)
            for (i, v) in a.enumerated() { if i > 0 { o.byte(ASCII.comma) }; v.emit(o) }
            o.byte(0x5D)
        case .object(let members):
            o.byte(0x7B)
            for (i, m) in members.enumerated() {
                if i > 0 { o.byte(ASCII.comma) }
                JSON.writeString(m.0, o); o.byte(ASCII.colon); m.1.emit(o)
            }
            o.byte(0x7D)
        }
    }

    /// A JSON string literal (RFC 8259): quote, backslash and control
    /// characters escaped; invalid UTF-8 was already replaced by String.
    public static func writeString(_ s: String, _ o: OutputWriter) {
        o.byte(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: o.write("\\\"")
            case 0x5C: o.write("\\\\")
            case 0x0A: o.write("\\n")
            case 0x0D: o.write("\\r")
            case 0x09: o.write("\\t")
            case 0..<0x20:
                o.write("\\u00"); o.hex(UInt64(c), digits: 2)
            default: o.byte(c)
            }
        }
        o.byte(0x22)
    }
}
