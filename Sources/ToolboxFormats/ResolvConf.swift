/// /etc/resolv.conf as glibc's resolver reads it (resolv/res_init.c,
/// resolv.conf(5)): up to 3 `nameserver` lines, `search`/`domain` (the last
/// of them wins), `options` ndots (cap 15), timeout (cap 30), attempts
/// (cap 5), rotate, edns0, use-vc. Unknown lines and options are ignored, as
/// glibc ignores them. Pure: bytes in, value out.
public struct ResolvConf: Equatable, Sendable {
    public var nameservers: [String] = []
    public var search: [String] = []
    public var ndots = 1
    public var timeout = 5
    public var attempts = 2
    public var rotate = false
    public var edns0 = false
    public var useVC = false
    /// True when no `nameserver` line was found (glibc then uses 127.0.0.1).
    public var defaultedNameserver = false

    public init() {}

    /// glibc's MAXNS and RES_MAXNDOTS, RES_MAXRETRANS (30 s), RES_MAXRETRY.
    public static let maxNameservers = 3, maxNdots = 15, maxTimeout = 30, maxAttempts = 5
    /// A bound on search domains (glibc 2.26+ has no fixed limit; this one
    /// keeps a hostile file from making a name expand into thousands of queries).
    public static let maxSearch = 32

    public static func parse(_ bytes: [UInt8]) -> ResolvConf {
        var conf = ResolvConf()
        let text = String(decoding: bytes, as: UTF8.self)
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if rawLine.first == "#" || rawLine.first == ";" { continue }
            let words = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let key = words.first else { continue }
            let rest = words.dropFirst()
            switch key {
            case "nameserver":
                if let a = rest.first, conf.nameservers.count < maxNameservers,
                   parseIPv4(String(a)) != nil || parseIPv6(String(a)) != nil {
                    conf.nameservers.append(String(a))
                }
            case "domain":
                if let d = rest.first { conf.search = [String(d)] }
            case "search":
                // A comment character ends the list (glibc stops at # or ;).
                var list: [String] = []
                for w in rest {
                    if w.first == "#" || w.first == ";" { break }
                    if list.count < maxSearch { list.append(String(w)) }
                }
                conf.search = list
            case "options":
                for w in rest { conf.apply(option: w) }
            default: continue
            }
        }
        if conf.nameservers.isEmpty { conf.nameservers = ["127.0.0.1"]; conf.defaultedNameserver = true }
        return conf
    }

    /// One `options` word (also used for the RES_OPTIONS-like dig +options).
    public mutating func apply(option w: Substring) {
        func number(_ prefix: String) -> Int? {
            guard w.hasPrefix(prefix) else { return nil }
            // glibc atoi: leading digits, 0 when none.
            var v = 0
            for c in w.dropFirst(prefix.count) { guard let d = c.wholeNumberValue, c.isASCII else { break }; v = min(v * 10 + d, 1 << 20) }
            return v
        }
        if let n = number("ndots:") { ndots = min(n, ResolvConf.maxNdots) }
        else if let n = number("timeout:") { timeout = max(1, min(n, ResolvConf.maxTimeout)) }
        else if let n = number("attempts:") { attempts = max(1, min(n, ResolvConf.maxAttempts)) }
        else if w == "rotate" { rotate = true }
        else if w == "edns0" { edns0 = true }
        else if w == "use-vc" { useVC = true }
    }

    /// The names glibc's res_nsearch tries for `name`, in order
    /// (resolv/res_query.c): a trailing dot means only the name itself;
    /// with at least `ndots` dots the name as given comes first, then each
    /// search domain appended; with fewer dots the search domains come
    /// first and the name as given last. (glibc skips the search list for
    /// a name without dots only when RES_DNSRCH is off; it is on by default.)
    public func candidates(_ name: String) -> [String] {
        if name.hasSuffix(".") { return [name] }
        let dots = name.reduce(0) { $0 + ($1 == "." ? 1 : 0) }
        let absolute = name + "."
        var out: [String] = []
        if dots >= ndots { out.append(absolute) }
        for d in search {
            let domain = d.hasSuffix(".") ? String(d.dropLast()) : d
            if domain.isEmpty { continue }
            let n = name + "." + domain + "."
            if !out.contains(n) { out.append(n) }
        }
        if dots < ndots && !out.contains(absolute) { out.append(absolute) }
        return out
    }
}

/// The `hosts:` line of /etc/nsswitch.conf (nsswitch.conf(5)): the sources
/// in order. Action items (`[NOTFOUND=return]`) are kept as written so the
/// resolver can honour `[NOTFOUND=return]` after a source.
public struct NSSwitchHosts: Equatable, Sendable {
    public var sources: [String]
    /// Indices into `sources` after which a NOTFOUND answer stops the lookup.
    public var returnOnNotFound: [Int] = []
    /// True when the file had no hosts: line (or did not exist): the
    /// default order `files dns` (musl's fixed order, and what distroless
    /// images without nsswitch.conf get from Go's resolver).
    public var isDefault = false

    public init(sources: [String]) { self.sources = sources }
    public static let fallback: NSSwitchHosts = { var n = NSSwitchHosts(sources: ["files", "dns"]); n.isDefault = true; return n }()

    public static func parse(_ bytes: [UInt8]) -> NSSwitchHosts {
        let text = String(decoding: bytes, as: UTF8.self)
        for rawLine in text.split(separator: "\n") {
            var line = rawLine
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard trimmed.hasPrefix("hosts:") else { continue }
            var n = NSSwitchHosts(sources: [])
            var inAction = false
            for w in trimmed.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
                // Action items: [STATUS=ACTION ...], possibly over several
                // words; only NOTFOUND=return matters here (plain comparisons,
                // no substring search: that would link _StringProcessing).
                if inAction || w.hasPrefix("[") {
                    inAction = w.last != "]"
                    let u = w.uppercased()
                    let item = u.hasPrefix("[") ? u.dropFirst() : u[...]
                    let bare = item.hasSuffix("]") ? item.dropLast() : item
                    if bare == "NOTFOUND=RETURN", !n.sources.isEmpty, n.returnOnNotFound.last != n.sources.count - 1 {
                        n.returnOnNotFound.append(n.sources.count - 1)
                    }
                    continue
                }
                if n.sources.count < 16 { n.sources.append(String(w)) }
            }
            return n
        }
        return fallback
    }
}
