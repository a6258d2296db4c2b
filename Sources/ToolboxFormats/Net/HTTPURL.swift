/// URLs as curl and wget take them (RFC 3986 subset): scheme://[userinfo@]
/// host[:port][/path][?query][#fragment], `[v6]` literals, a missing scheme
/// meaning http, and relative references for redirects. Pure.
public struct HTTPURL: Equatable, Sendable {
    public var scheme: String
    public var host: String          // without brackets
    public var port: UInt16
    public var explicitPort: Bool
    public var path: String          // path + query, at least "/"
    public var userinfo: String?

    public enum ParseError: Error, Equatable { case malformed(String), badPort(String) }

    public static func parse(_ text: String) throws(ParseError) -> HTTPURL {
        var rest = Substring(text)
        var scheme = "http"
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"),
           rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }) {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.first == "?" { path = "/" + path }
        var userinfo: String? = nil
        if let at = authority.lastIndex(of: "@") { userinfo = String(authority[..<at]); authority = authority[authority.index(after: at)...] }
        var host: Substring
        var portText: Substring? = nil
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed(text) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.first == ":" { portText = after.dropFirst() } else if !after.isEmpty { throw .malformed(text) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]; portText = authority[authority.index(after: colon)...]
        } else { host = authority }
        guard !host.isEmpty else { throw .malformed(text) }
        var port: UInt16 = scheme == "https" ? 443 : scheme == "ftp" ? 21 : 80
        var explicitPort = false
        if let pt = portText, !pt.isEmpty {
            guard let v = UInt16(pt) else { throw .badPort(String(pt)) }
            port = v; explicitPort = true
        }
        return HTTPURL(scheme: scheme, host: String(host), port: port, explicitPort: explicitPort, path: path, userinfo: userinfo)
    }

    /// The Host header value: host, [v6] bracketed, with a non-default port.
    public var hostHeader: String {
        let h = host.contains(Character(":")) ? "[\(host)]" : host
        return explicitPort && port != (scheme == "https" ? 443 : 80) ? "\(h):\(port)" : h
    }

    public var text: String { "\(scheme)://\(hostHeaderForText)\(path)" }
    var hostHeaderForText: String {
        let h = host.contains(Character(":")) ? "[\(host)]" : host
        return explicitPort ? "\(h):\(port)" : h
    }

    /// The last path segment (curl -O, wget's default file name).
    public var fileName: String {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        return p.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    }

    /// Resolves a Location value against this URL (RFC 3986 5.2, the
    /// common cases: absolute, scheme-relative, absolute path, relative path).
    public func resolving(_ location: String) throws(ParseError) -> HTTPURL {
        if let colon = location.firstIndex(of: ":"), location[colon...].hasPrefix("://") { return try HTTPURL.parse(location) }
        if location.hasPrefix("//") { return try HTTPURL.parse(scheme + ":" + location) }
        var u = self
        if location.hasPrefix("/") { u.path = location; return u }
        if location.hasPrefix("?") {
            let base = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
            u.path = base + location; return u
        }
        var base = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        if let slash = base.lastIndex(of: "/") { base = String(base[...slash]) } else { base = "/" }
        // Remove dot segments.
        var out: [Substring] = []
        let joined = base + location
        let q = joined.firstIndex(of: "?")
        let pathPart = q.map { joined[..<$0] } ?? joined[...]
        for seg in pathPart.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if seg == "." { continue }
            if seg == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(seg)
        }
        u.path = "/" + out.joinedText("/") + (q.map { String(joined[$0...]) } ?? "")
        return u
    }
}
