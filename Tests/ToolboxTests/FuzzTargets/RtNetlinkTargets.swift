import ToolboxCore
@testable import ToolboxApplets

/// One rtnetlink reply datagram (link, address, route, neighbour or rule
/// dump, as `ip` receives it): walked by RtNetlink.walk, every message
/// decoded as the view of its type and rendered by ip's printers, as text
/// (normal, brief, one-line with statistics) and as JSON. The replay line
/// holds the walk status and a digest of the output.
let rtnetlinkFuzzTarget = FuzzTarget(name: "rtnetlink", seeds: []) { data in
    let bytes = Array(data)
    var messages: [RtMessage] = []
    let status = RtNetlink.walk(bytes[...], accept: nil, into: &messages)
    let links = messages.filter { $0.type == RtNetlink.newLink }.map(RtLink.init)
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    var total = 0
    for variant in 0..<3 {
        var o = IpOptions()
        o.json = variant == 2; o.brief = variant == 1; o.oneline = variant == 2; o.stats = variant == 2 ? 1 : 0
        let out = OutputWriter.memory(), err = OutputWriter.memory()
        let ctx = Context(applet: "ip", out: out, err: err)
        let p = IpPrinter(out, json: o.json, oneline: o.oneline)
        var show = IpShow(ctx: ctx, o: o, nl: nil, p: p)
        show.links = links
        for m in messages {
            switch m.type {
            case RtNetlink.newLink: p.open(nil); show.linkInfo(RtLink(m), doLink: true, family: 0); p.close()
            case RtNetlink.newAddr: p.open(nil); show.addrInfo(RtAddress(m)); p.close()
            case RtNetlink.newRoute: show.route(RtRoute(m), tableFilter: variant == 1)
            case RtNetlink.newNeigh: show.neighbour(RtNeighbour(m), devFilter: false)
            case RtNetlink.newRule: show.rule(RtRule(m))
            default: break
            }
        }
        p.finish()
        out.flush()
        for b in out.captured { digest = (digest ^ UInt64(b)) &* 0x100_0000_01b3; total += 1 }
    }
    return "\(status) messages=\(messages.count) links=\(links.count) bytes=\(total) digest=\(String(digest, radix: 16))"
}
