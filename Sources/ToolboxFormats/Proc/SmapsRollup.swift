/// /proc/PID/smaps_rollup (proc(5), Linux 4.14): the smaps fields summed
/// over every mapping, after one `[rollup]` header line. Values are in kB;
/// every field is optional (Pss_Anon/Pss_File/Pss_Shmem: 5.7, Pss_Dirty: 6.0).
public struct SmapsRollup: Equatable, Sendable {
    /// kB per key, in file order (`Rss`, `Pss`, `Swap`, `SwapPss`, ...).
    public var fields: [(key: String, kB: UInt64)] = []
    public init() {}

    public func kB(_ key: String) -> UInt64? { fields.first { $0.key == key }?.kB }
    public var rss: UInt64? { kB("Rss") }
    public var pss: UInt64? { kB("Pss") }
    public var swap: UInt64? { kB("Swap") }
    public var swapPss: UInt64? { kB("SwapPss") }

    public static func == (a: SmapsRollup, b: SmapsRollup) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.kB == $1.kB }
    }

    /// Nil when no `Key: N kB` line is found.
    public static func parse(_ bytes: Bytes) -> SmapsRollup? {
        var out = SmapsRollup()
        forEachKeyValue(bytes) { key, value in out.fields.append((key.string, value)) }
        return out.fields.isEmpty ? nil : out
    }
}

/// Calls `body(key, number)` for each `Key:   N[ kB]` line (status, smaps,
/// meminfo style); lines without a colon or a number are skipped.
public func forEachKeyValue(_ bytes: Bytes, _ body: (Bytes, UInt64) -> Void) {
    var scanner = ByteScanner(bytes)
    while !scanner.atEnd {
        let line = scanner.upTo(ASCII.newline)
        // The key is one word (smaps_rollup's `[rollup]` header has `00:00`).
        guard let colon = line.firstIndex(of: ASCII.colon), colon > 0,
              !line[..<colon].contains(ASCII.space) else { continue }
        var v = ByteScanner(line, position: colon + 1)
        guard let n = v.uint() else { continue }
        body(Bytes(rebasing: line[..<colon]), n)
    }
}
