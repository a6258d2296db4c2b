/// /etc/services (services(5)): `name port/proto [aliases...]`, `#`
/// comments. netcat prints `[tcp/http]` from it and accepts service names
/// as ports. Pure.
public struct ServicesFile: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var port: UInt16
        public var proto: String
        public var aliases: [String]
    }
    public var entries: [Entry] = []
    public init() {}

    public static let maxEntries = 65536

    public static func parse(_ bytes: [UInt8]) -> ServicesFile {
        var s = ServicesFile()
        for rawLine in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let w = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard w.count >= 2, let slash = w[1].firstIndex(of: "/"), let port = UInt16(w[1][..<slash]) else { continue }
            s.entries.append(Entry(name: String(w[0]), port: port, proto: String(w[1][w[1].index(after: slash)...]),
                                   aliases: w.dropFirst(2).map(String.init)))
            if s.entries.count >= maxEntries { break }
        }
        return s
    }

    /// getservbyport: the first name for `port`/`proto`.
    public func name(port: UInt16, proto: String) -> String? {
        entries.first { $0.port == port && $0.proto == proto }?.name
    }

    /// getservbyport for many ports at once: the first name of each TCP and
    /// UDP port, keyed by `port | 1 << 16` (tcp) or `port | 2 << 16` (udp).
    /// lsof names thousands of distinct ports; a linear search each was 12 ms.
    public func tcpUDPIndex() -> [UInt32: String] {
        var d = [UInt32: String](minimumCapacity: entries.count)
        for e in entries {
            let tag: UInt32 = e.proto == "tcp" ? 1 : e.proto == "udp" ? 2 : 0
            guard tag != 0 else { continue }
            let key = UInt32(e.port) | tag << 16
            if d[key] == nil { d[key] = e.name }
        }
        return d
    }

    /// getservbyname: the port of a name or alias for `proto`.
    public func port(named n: String, proto: String) -> UInt16? {
        entries.first { $0.proto == proto && ($0.name == n || $0.aliases.contains(n)) }?.port
    }
}
