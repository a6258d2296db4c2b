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
    /// Every entry's name and id in file order (first line wins), searched
    /// by `id(_:)` when there are few. A name-keyed dictionary built for
    /// every file was a third of the cost of reading a small passwd, for a
    /// lookup few applets make; a large file (a container chose it) gets
    /// the dictionary, so tar's per-member lookups stay O(1).
    private var orderNames: [String] = []
    private var orderIDs: [UInt32] = []
    private var ids: [String: UInt32]? = nil
    static let scanLimit = 64

    public init() {}

    public init(parsing bytes: Bytes) {
        var lines = 1
        for b in bytes where b == ASCII.newline { lines += 1 }
        orderNames.reserveCapacity(lines); orderIDs.reserveCapacity(lines)
        PasswdFile.forEachEntry(bytes) { f in
            // name:password:id:...
            guard f.count >= 3, !f[0].isEmpty, let v = f[2].decimalValue, let id = UInt32(exactly: v) else { return }
            orderNames.append(f[0].string)
            orderIDs.append(id)
        }
        // Last to first, so the first entry for an id (or a name) is the
        // one kept, with one dictionary store per entry.
        names.reserveCapacity(orderIDs.count)
        for i in orderIDs.indices.reversed() { names[orderIDs[i]] = orderNames[i] }
        if orderIDs.count > Self.scanLimit {
            var d = [String: UInt32](minimumCapacity: orderIDs.count)
            for i in orderIDs.indices.reversed() { d[orderNames[i]] = orderIDs[i] }
            ids = d
        }
    }

    /// Equal when both give the same names for ids and ids for names.
    public static func == (a: IDNames, b: IDNames) -> Bool {
        guard a.names == b.names else { return false }
        func byName(_ x: IDNames) -> [String: UInt32] {
            if let d = x.ids { return d }
            var d: [String: UInt32] = [:]
            for i in x.orderIDs.indices.reversed() { d[x.orderNames[i]] = x.orderIDs[i] }
            return d
        }
        return byName(a) == byName(b)
    }

    public init(parsing array: [UInt8]) {
        self = array.withUnsafeBufferPointer { IDNames(parsing: $0) }
    }

    public func name(_ id: UInt32) -> String? { names[id] }
    public func id(_ name: String) -> UInt32? {
        if let ids { return ids[name] }
        guard let i = orderNames.firstIndex(of: name) else { return nil }
        return orderIDs[i]
    }
    public var isEmpty: Bool { names.isEmpty }

    /// The name, or the number in full when there is no entry (never truncated).
    public func display(_ id: UInt32) -> String { names[id] ?? String(id) }
}

/// The one splitter of passwd(5) and group(5) lines, under IDNames and
/// UserDatabase: the colon-separated fields of each entry. Comment lines,
/// blank lines and NIS `+`/`-` lines are skipped.
public enum PasswdFile {
    public static func forEachEntry(_ bytes: Bytes, _ body: ([Bytes]) -> Void) {
        var scanner = ByteScanner(bytes)
        var fields: [Bytes] = []
        while !scanner.atEnd {
            let line = scanner.upTo(ASCII.newline)
            guard let first = line.first, first != 0x23, first != 0x2B, first != 0x2D else { continue }
            fields.removeAll(keepingCapacity: true)
            var start = 0
            for i in 0...line.count where i == line.count || line[i] == ASCII.colon {
                fields.append(Bytes(rebasing: line[start..<i]))
                start = i + 1
            }
            body(fields)
        }
    }
}
