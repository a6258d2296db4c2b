import ToolboxFormats

/// Names for numeric ids from an /etc/passwd or /etc/group file (passwd(5),
/// group(5)), parsed here rather than through NSS: getpwuid(3) in a static
/// glibc binary may dlopen NSS modules and crash, and toolbox must read the
/// *target container's* files, not the debugger's.
///
/// Both formats start `name:password:id:`; the first entry for an id wins,
/// as with getpwuid. Comment lines, blank lines, NIS `+`/`-` lines and lines
/// whose id is not a number are skipped.
public struct IDNames: Equatable, Sendable {
    public private(set) var names: [UInt32: String] = [:]
    public private(set) var ids: [String: UInt32] = [:]

    public init() {}

    public init(parsing bytes: Bytes) {
        var scanner = ByteScanner(bytes)
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            guard let first = line.first, first != 0x23, first != 0x2B, first != 0x2D else { continue }
            var f = ByteScanner(line)
            let name = f.upTo(ASCII.colon)
            guard !name.isEmpty, !f.atEnd else { continue }
            _ = f.upTo(ASCII.colon)                       // password
            let idField = f.upTo(ASCII.colon)
            guard let v = idField.decimalValue, let id = UInt32(exactly: v) else { continue }
            let n = name.string
            if names[id] == nil { names[id] = n }
            if ids[n] == nil { ids[n] = id }
        }
    }

    public init(parsing array: [UInt8]) {
        self = array.withUnsafeBufferPointer { IDNames(parsing: $0) }
    }

    public func name(_ id: UInt32) -> String? { names[id] }
    public func id(_ name: String) -> UInt32? { ids[name] }
    public var isEmpty: Bool { names.isEmpty }

    /// The name, or the number in full when there is no entry (never truncated).
    public func display(_ id: UInt32) -> String { names[id] ?? String(id) }
}
