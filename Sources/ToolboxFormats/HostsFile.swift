/// /etc/hosts (hosts(5)): `address canonical_name [aliases...]`, `#`
/// comments. Lookups are case-insensitive and keep file order, as glibc's
/// files backend (nss/nss_files/files-hosts.c) does. Pure.
public struct HostsFile: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var address: [UInt8]   // 4 or 16 bytes
        public var text: String
        public var names: [String]    // canonical name first
    }
    public var entries: [Entry] = []

    public init() {}

    /// A bound on the entries kept (a container's file may be anything).
    public static let maxEntries = 65536

    public static func parse(_ bytes: [UInt8]) -> HostsFile {
        var h = HostsFile()
        for rawLine in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard words.count >= 2 else { continue }
            let a = String(words[0])
            guard let addr = parseIPv4(a) ?? parseIPv6(a) else { continue }
            h.entries.append(Entry(address: addr, text: a, names: words.dropFirst().map(String.init)))
            if h.entries.count >= maxEntries { break }
        }
        return h
    }

    /// Addresses for `name` (without a trailing dot), IPv4 or IPv6 (`v6`),
    /// in file order, and the canonical name of the first matching line.
    public func lookup(_ name: String, v6: Bool) -> (canonical: String, addresses: [[UInt8]])? {
        var n = name
        if n.hasSuffix(".") { n.removeLast() }
        let lower = n.lowercased()
        var canonical: String? = nil
        var addrs: [[UInt8]] = []
        for e in entries where (e.address.count == 16) == v6 {
            if e.names.contains(where: { $0.lowercased() == lower }) {
                if canonical == nil { canonical = e.names[0] }
                if !addrs.contains(e.address) { addrs.append(e.address) }
            }
        }
        guard let canonical else { return nil }
        return (canonical, addrs)
    }

    /// The first name for an address (reverse lookup, `files` source).
    public func name(for address: [UInt8]) -> String? {
        entries.first(where: { $0.address == address })?.names.first
    }
}
