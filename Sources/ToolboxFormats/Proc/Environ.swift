/// /proc/PID/environ (proc(5)): `NAME=value` strings, each ended by a NUL.
/// The last one may lack its NUL (a process that rewrote its environment);
/// an entry without `=` keeps the whole text as its name and an empty value
/// with `hasValue` false. The bytes are kept as they are (not UTF-8 checked).
public struct Environ: Equatable, Sendable {
    public struct Variable: Equatable, Sendable {
        public var name: [UInt8]
        public var value: [UInt8]
        public var hasValue: Bool
        public init(name: [UInt8], value: [UInt8], hasValue: Bool = true) {
            self.name = name; self.value = value; self.hasValue = hasValue
        }
        public var nameString: String { String(decoding: name, as: UTF8.self) }
        public var valueString: String { String(decoding: value, as: UTF8.self) }
    }
    public var variables: [Variable] = []
    public init() {}

    public static func parse(_ bytes: Bytes) -> Environ {
        var out = Environ()
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let entry = scanner.upTo(ASCII.nul)
            if entry.isEmpty { continue }
            if let eq = entry.firstIndex(of: 0x3D) {
                out.variables.append(Variable(name: Array(entry[..<eq]), value: Array(entry[(eq + 1)...])))
            } else {
                out.variables.append(Variable(name: Array(entry), value: [], hasValue: false))
            }
        }
        return out
    }
}
