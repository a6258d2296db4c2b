import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// The socket tables netstat reads, and where it reads them from: the
/// /proc/net files or NETLINK_SOCK_DIAG, with the fallback from the second
/// to the first decided here (pure logic, tested with injected sources).

/// One /proc/net table: a protocol over one address family.
public struct InetTable: Equatable, Sendable {
    public enum Proto: Sendable { case tcp, udp, udplite, raw }
    public let proto: Proto
    public let v6: Bool

    public init(_ proto: Proto, v6: Bool) { self.proto = proto; self.v6 = v6 }

    /// The /proc/net file name, which is also the Proto column label
    /// (net-tools prints udplite as `udpl`).
    public var fileName: String {
        switch proto {
        case .tcp: return v6 ? "tcp6" : "tcp"
        case .udp: return v6 ? "udp6" : "udp"
        case .udplite: return v6 ? "udplite6" : "udplite"
        case .raw: return v6 ? "raw6" : "raw"
        }
    }
    public var label: String {
        proto == .udplite ? (v6 ? "udpl6" : "udpl") : fileName
    }
}

/// A place sockets come from.
public protocol SocketSource {
    /// The sockets of `table` whose TCP state bit is in `states` (a source
    /// may return more; callers filter again). `malformed` counts lines
    /// that could not be parsed.
    func inet(_ table: InetTable, states: UInt32, malformed: inout Int) throws(Errno) -> [InetSocket]
    func unix(malformed: inout Int) throws(Errno) -> [UnixSocket]
}

/// The /proc/net files under a directory (/proc/net, /proc/PID/net or a
/// fixture tree). A missing file (no IPv6, no udplite) is an empty table.
public struct ProcNetSource: SocketSource {
    public let directory: String
    private let buffer = ReadBuffer(capacity: 1 << 16)

    public init(directory: String) { self.directory = directory }

    public func inet(_ table: InetTable, states: UInt32, malformed: inout Int) throws(Errno) -> [InetSocket] {
        try withExtendedLifetime(buffer) { () throws(Errno) -> [InetSocket] in
            let bytes: Bytes
            do throws(Errno) { bytes = try buffer.readFile("\(directory)/\(table.fileName)") }
            catch { if error == .noSuchFile { return [] }; throw error }
            var result: [InetSocket] = []
            result.reserveCapacity(bytes.count / 150)
            malformed += InetSocket.forEach(in: bytes) { result.append($0) }
            return result
        }
    }

    public func unix(malformed: inout Int) throws(Errno) -> [UnixSocket] {
        try withExtendedLifetime(buffer) { () throws(Errno) -> [UnixSocket] in
            let bytes: Bytes
            do throws(Errno) { bytes = try buffer.readFile("\(directory)/unix") }
            catch { if error == .noSuchFile { return [] }; throw error }
            var result: [UnixSocket] = []
            malformed += UnixSocket.forEach(in: bytes) { result.append($0) }
            return result
        }
    }
}

/// NETLINK_SOCK_DIAG: TCP and UDP through inet_diag; udplite and raw are
/// not served (ENOTSUP: the caller reads /proc for them).
public struct NetlinkSource: SocketSource {
    public let diag: SockDiag
    public init(_ diag: SockDiag) { self.diag = diag }

    public func inet(_ table: InetTable, states: UInt32, malformed: inout Int) throws(Errno) -> [InetSocket] {
        let proto: Int32
        switch table.proto {
        case .tcp: proto = Int32(IPPROTO_TCP)
        case .udp: proto = Int32(IPPROTO_UDP)
        case .udplite, .raw: throw Errno.notSupported
        }
        return try diag.inet(family: table.v6 ? AF_INET6 : AF_INET, proto: proto, states: states)
    }

    public func unix(malformed: inout Int) throws(Errno) -> [UnixSocket] {
        try diag.unix(states: SockDiag.allStates)
    }
}

/// Reads each table from the preferred source (netlink) and falls back to
/// the other (/proc) when it fails: silently in `auto` mode, where a
/// refusal (EPERM from a seccomp profile, EPROTONOSUPPORT in gVisor,
/// ENOENT for a missing diag module) is expected; in `forced` mode the
/// error is thrown. Once the socket itself could not be created, every
/// table comes from the fallback.
public final class SourceChain {
    public enum Mode: Sendable { case auto, forced }
    public let preferred: SocketSource?
    public let fallback: SocketSource
    public let mode: Mode
    /// Why the preferred source was not used, per table (for --verbose).
    public private(set) var fallbacks: [(String, Errno)] = []
    public var malformed: [String: Int] = [:]
    /// The tables each source served, in order (for --verbose).
    public private(set) var viaPreferred: [String] = []
    public private(set) var viaFallback: [String] = []

    /// `preferred` nil means it could not be opened (then `openError` says why).
    public init(preferred: SocketSource?, fallback: SocketSource, mode: Mode, openError: Errno? = nil) {
        self.preferred = preferred; self.fallback = fallback; self.mode = mode
        if preferred == nil, let e = openError { fallbacks.append(("netlink", e)) }
    }

    public func inet(_ table: InetTable, states: UInt32) throws(Errno) -> [InetSocket] {
        var bad = 0
        defer { if bad > 0 { malformed[table.fileName, default: 0] += bad } }
        if let p = preferred {
            do {
                let rows = try p.inet(table, states: states, malformed: &bad)
                viaPreferred.append(table.fileName)
                return rows
            } catch {
                if mode == .forced && error != .notSupported { throw error }
                if error != .notSupported { fallbacks.append((table.fileName, error)) }
            }
        }
        let rows = try fallback.inet(table, states: states, malformed: &bad)
        viaFallback.append(table.fileName)
        return rows
    }

    public func unix(usePreferred: Bool) throws(Errno) -> [UnixSocket] {
        var bad = 0
        defer { if bad > 0 { malformed["unix", default: 0] += bad } }
        if usePreferred, let p = preferred {
            do {
                let rows = try p.unix(malformed: &bad)
                viaPreferred.append("unix")
                return rows
            } catch {
                if mode == .forced { throw error }
                fallbacks.append(("unix", error))
            }
        }
        let rows = try fallback.unix(malformed: &bad)
        viaFallback.append("unix")
        return rows
    }
}
