import Foundation
import ToolboxCore
import XCTest

/// The pure network formats: DNS messages, resolv.conf, hosts, nsswitch,
/// services, HTTP heads and chunked bodies, URLs. Captured replies live in
/// Fixtures/net/dns (see its README). The mutation loops stand in for a
/// fuzz target until the fuzz harness lands (seeded, so reproducible).
final class NetFormatTests: XCTestCase {
    func reply(_ name: String) throws -> DNSMessage {
        try DNSMessage.parse(try fixtureBytes("net/dns/\(name).bin"))
    }

    func testCapturedRepliesDecodeExactly() throws {
        let a = try reply("a")
        XCTAssertEqual(a.id, 0x1234)
        XCTAssertEqual(a.flags & 0x8000, 0x8000)
        XCTAssertEqual(a.questions, [DNSQuestion(name: "web.svc.cluster.local.", type: DNSType.a)])
        XCTAssertEqual(a.answers, [DNSRecord(name: "web.svc.cluster.local.", type: DNSType.a, ttl: 0, data: .a([10, 0, 0, 5]))])
        XCTAssertEqual(a.edns?.udpSize, 1232)
        XCTAssertEqual(try reply("aaaa").answers.map(\.data.text), ["fd00::5"])
        XCTAssertEqual(try reply("txt").answers.map(\.data.text), [#""hello world" "second \"q\"""#])
        XCTAssertEqual(try reply("cname").answers.map { "\($0.name) \(DNSType.name($0.type)) \($0.data.text)" },
                       ["alias.example.test. CNAME web.svc.cluster.local.", "web.svc.cluster.local. A 10.0.0.5"])
        let srv = try reply("srv")
        XCTAssertEqual(srv.answers.map(\.data.text), ["0 5 80 web.svc.cluster.local."])
        XCTAssertEqual(srv.additional.map(\.data.text).sorted(), ["10.0.0.5", "fd00::5"])
        XCTAssertEqual(try reply("caa").answers.map(\.data.text), [#"0 issue "letsencrypt.org""#])
        XCTAssertEqual(try reply("mx").answers.map(\.data.text), ["10 mail.example.test."])
        XCTAssertEqual(try reply("ptr").answers.map(\.data.text), ["web.svc.cluster.local."])
        let nx = try reply("nxdomain")
        XCTAssertEqual(nx.rcode, DNSRcode.nxDomain)
        XCTAssertTrue(nx.answers.isEmpty)
        let big = try reply("big-txt")
        XCTAssertEqual(big.answers.count, 12)
        XCTAssertEqual(big.answers.map(\.data.text).sorted().first, "\"record-01-" + String(repeating: "x", count: 60) + "\"")
    }

    func testEncodeCompressesAndRoundTrips() throws {
        var m = DNSMessage()
        m.id = 7; m.flags = DNSMessage.qr | DNSMessage.rd
        m.questions = [DNSQuestion(name: "www.example.com.", type: DNSType.mx)]
        m.answers = [DNSRecord(name: "www.example.com.", type: DNSType.mx, ttl: 60, data: .mx(preference: 5, exchange: "mail.example.com.")),
                     DNSRecord(name: "mail.example.com.", type: DNSType.txt, ttl: 1, data: .txt([Array("a\"b".utf8), [0, 255]]))]
        m.edns = DNSEdns(udpSize: 1232, options: [DNSOption(code: DNSOption.cookie, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        let wire = try m.encode()
        // Header; question (17-byte name); answer 1: pointer owner, MX
        // "mail" + pointer; answer 2: pointer to that "mail" label, TXT;
        // OPT with one 8-byte option.
        XCTAssertEqual(wire.count, 12 + (17 + 4) + (2 + 10 + 2 + 5 + 2) + (2 + 10 + 4 + 3) + (11 + 12))
        XCTAssertEqual(try DNSMessage.parse(wire), m)
        XCTAssertEqual(m.answers[1].data.text, #""a\"b" "\000\255""#)
    }

    func testNamesWithEscapesRoundTrip() throws {
        XCTAssertEqual(try dnsLabels("a\\.b.c"), [Array("a.b".utf8), Array("c".utf8)])
        XCTAssertEqual(try dnsLabels("\\065x."), [Array("Ax".utf8)])
        XCTAssertThrowsError(try dnsLabels(String(repeating: "a", count: 64) + ".com"))
        XCTAssertThrowsError(try dnsLabels("a..b"))
        XCTAssertThrowsError(try dnsLabels(Array(repeating: "abcdefgh", count: 32).joined(separator: ".")))
        XCTAssertEqual(try dnsLabels("."), [])
    }

    /// Hand-made hostile messages: every one is rejected, none loops.
    func testPointerLoopsAndForwardPointersAreRejected() {
        let header: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]
        // A question whose name is a pointer to itself (offset 12).
        XCTAssertEqual(parseError(header + [0xC0, 12, 0, 1, 0, 1]), .badLabel)
        // A pointer forward, to a later name.
        XCTAssertEqual(parseError(header + [0xC0, 14, 1, 0x61, 0, 0, 1, 0, 1]), .badLabel)
        // Two labels pointing at each other: 12 -> 16 is forward, rejected before any loop.
        XCTAssertEqual(parseError(header + [1, 0x61, 0xC0, 16, 1, 0x62, 0xC0, 12, 0, 1, 0, 1]), .badLabel)
        // Chains of backward pointers (each to the one before, the first
        // to a root label): 128 are followed, 129 are too many.
        for (count, ok) in [(128, true), (129, false)] {
            var chain = header + [0]
            for i in 0..<count { chain += [0xC0, UInt8(truncatingIfNeeded: i == 0 ? 12 : 13 + 2 * (i - 1))] ; chain[chain.count - 2] |= UInt8((i == 0 ? 12 : 13 + 2 * (i - 1)) >> 8) }
            let at = 13 + 2 * (count - 1)
            let r = chain.withUnsafeBytes { raw in Result { () throws(DNSError) in try dnsReadName(raw, at: at) } }
            if ok { XCTAssertEqual(try r.get().name, ".") } else { XCTAssertThrowsError(try r.get()) { XCTAssertEqual($0 as? DNSError, .badLabel) } }
        }
        // Extended label types 0x40/0x80 are rejected.
        XCTAssertEqual(parseError(header + [0x41, 0, 0, 1, 0, 1]), .badLabel)
        // Counts claiming more records than bytes.
        XCTAssertEqual(parseError([0, 1, 0x81, 0x80, 0, 1, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 1]), .truncatedMessage)
    }

    func parseError(_ bytes: [UInt8]) -> DNSError? {
        do { _ = try DNSMessage.parse(bytes); return nil } catch { return error }
    }

    func testTruncatingAValidReplyAlwaysFails() throws {
        for f in ["a", "srv", "big-txt", "cname", "caa"] {
            let bytes = try fixtureBytes("net/dns/\(f).bin")
            for n in 0..<bytes.count {
                XCTAssertNotNil(parseError(Array(bytes[0..<n])), "\(f) cut at \(n)")
            }
        }
    }

    /// Seeded mutations of the captured replies: decoding never traps, and
    /// whatever decodes re-encodes to a message that decodes to the same value.
    func testMutatedRepliesNeverTrapAndRoundTrip() throws {
        var rng = SplitMix(seed: 0x5EED_D45)
        var decoded = 0
        for f in ["a", "aaaa", "txt", "cname", "srv", "big-txt", "caa", "nxdomain", "ptr", "mx"] {
            let base = try fixtureBytes("net/dns/\(f).bin")
            for _ in 0..<1500 {
                var m = base
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let i = Int(rng.next() % UInt64(m.count))
                    switch rng.next() % 4 {
                    case 0: m[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: m[i] ^= 1 << UInt8(rng.next() % 8)
                    case 2: m.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                    default: if m.count > 13 { m.remove(at: i) }
                    }
                }
                guard let msg = try? DNSMessage.parse(m) else { continue }
                decoded += 1
                let again = try DNSMessage.parse(try msg.encode())
                XCTAssertEqual(again, msg, "\(f): \(m)")
                for r in msg.answers + msg.authority + msg.additional { _ = r.data.text }
            }
        }
        XCTAssertGreaterThan(decoded, 0)
    }

    func testResolvConfAsGlibcReadsIt() {
        let c = ResolvConf.parse(Array("""
        # comment
        nameserver 10.0.0.1
        nameserver fd00::1
        nameserver 10.0.0.3
        nameserver 10.0.0.4
        nameserver not-an-address
        domain old.example
        search default.svc.cluster.local svc.cluster.local cluster.local # trailing
        options ndots:5 timeout:99 attempts:0 rotate edns0 unknown:1
        """.utf8))
        XCTAssertEqual(c.nameservers, ["10.0.0.1", "fd00::1", "10.0.0.3"])
        XCTAssertEqual(c.search, ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"])
        XCTAssertEqual(c.ndots, 5); XCTAssertEqual(c.timeout, 30); XCTAssertEqual(c.attempts, 1)
        XCTAssertTrue(c.rotate); XCTAssertTrue(c.edns0)
        XCTAssertEqual(c.candidates("db"), ["db.default.svc.cluster.local.", "db.svc.cluster.local.", "db.cluster.local.", "db."])
        XCTAssertEqual(c.candidates("a.b.c.d.e.f"), ["a.b.c.d.e.f.", "a.b.c.d.e.f.default.svc.cluster.local.", "a.b.c.d.e.f.svc.cluster.local.", "a.b.c.d.e.f.cluster.local."])
        XCTAssertEqual(c.candidates("a.b.c.d.e").first, "a.b.c.d.e.default.svc.cluster.local.")
        XCTAssertEqual(c.candidates("x.y."), ["x.y."])
        let d = ResolvConf.parse(Array("search a b\ndomain c\noptions ndots:99\n".utf8))
        XCTAssertEqual(d.search, ["c"]); XCTAssertEqual(d.ndots, 15)
        XCTAssertEqual(d.nameservers, ["127.0.0.1"]); XCTAssertTrue(d.defaultedNameserver)
        XCTAssertEqual(ResolvConf.parse([]).candidates("a.b"), ["a.b."])
    }

    func testHostsNsswitchServices() {
        let h = HostsFile.parse(Array("127.0.0.1 localhost\n# x\n10.1.1.1 Web web.local # c\nfd00::2 web\nbad line\n10.1.1.2 web\n".utf8))
        XCTAssertEqual(h.lookup("WEB", v6: false)?.addresses, [[10, 1, 1, 1], [10, 1, 1, 2]])
        XCTAssertEqual(h.lookup("web.", v6: false)?.canonical, "Web")
        XCTAssertEqual(h.lookup("web", v6: true)?.addresses, [[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]])
        XCTAssertNil(h.lookup("nope", v6: false))
        let n = NSSwitchHosts.parse(Array("passwd: files\nhosts:  files [NOTFOUND=return] dns [!UNAVAIL=return NOTFOUND=continue] myhostname # x\n".utf8))
        XCTAssertEqual(n.sources, ["files", "dns", "myhostname"]); XCTAssertEqual(n.returnOnNotFound, [0])
        XCTAssertEqual(NSSwitchHosts.parse(Array("passwd: files\n".utf8)).sources, ["files", "dns"])
        let s = ServicesFile.parse(Array("http 80/tcp www # web\nhttp 80/udp\ndomain 53/udp\n".utf8))
        XCTAssertEqual(s.name(port: 80, proto: "tcp"), "http"); XCTAssertEqual(s.port(named: "www", proto: "tcp"), 80)
        XCTAssertNil(s.name(port: 53, proto: "tcp"))
        // the index gives what the linear search gives: the first name per port and protocol
        let two = ServicesFile.parse(Array("http 80/tcp www\nhttp-alt 80/tcp\nweb 80/udp\ndomain 53/udp\nx 7/sctp\n".utf8))
        XCTAssertEqual(two.tcpUDPIndex(), [80 | 1 << 16: "http", 80 | 2 << 16: "web", 53 | 2 << 16: "domain"])
        let system = ServicesFile.parse((try? Array(Data(contentsOf: URL(fileURLWithPath: "/etc/services")))) ?? [])
        let index = system.tcpUDPIndex()
        for port in UInt16(0)..<2000 {
            XCTAssertEqual(index[UInt32(port) | 1 << 16], system.name(port: port, proto: "tcp"), "tcp \(port)")
            XCTAssertEqual(index[UInt32(port) | 2 << 16], system.name(port: port, proto: "udp"), "udp \(port)")
        }
    }

    func testAddressText() {
        XCTAssertEqual(parseIPv6("2001:db8::1").map(formatIPv6), "2001:db8::1")
        XCTAssertEqual(parseIPv6("::ffff:1.2.3.4").map(formatIPv6), "::ffff:1.2.3.4")
        XCTAssertEqual(parseIPv6("1:0:0:2:0:0:0:3").map(formatIPv6), "1:0:0:2::3")
        XCTAssertNil(parseIPv6("1::2::3")); XCTAssertNil(parseIPv4("1.2.3")); XCTAssertNil(parseIPv4("1.2.3.256"))
        XCTAssertEqual(reverseName("10.0.0.5"), "5.0.0.10.in-addr.arpa.")
        XCTAssertEqual(reverseName("fd00::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.")
    }

    func testHTTPHeadAndChunked() throws {
        let raw = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Long: a\r\n  b\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\nNEXT".utf8)
        let r = try XCTUnwrap(try HTTPResponse.parse(raw))
        XCTAssertEqual(r.head.status, 200); XCTAssertEqual(r.head.reason, "OK")
        XCTAssertEqual(r.head.value("x-long"), "a b")
        XCTAssertTrue(r.head.isChunked)
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "hello")
        XCTAssertTrue(r.complete)
        XCTAssertNil(try HTTPResponseHead.parse(Array("HTTP/1.1 200 OK\r\nA: b\r\n".utf8)))
        XCTAssertThrowsError(try HTTPResponseHead.parse(Array("HTTP/1.1 2000 OK\r\n\r\n".utf8)))
        XCTAssertThrowsError(try HTTPResponseHead.parse(Array("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n".utf8)))
        XCTAssertThrowsError(try HTTPResponseHead.parse([UInt8](repeating: 0x41, count: HTTPResponseHead.maxHeadBytes))) { XCTAssertEqual($0 as? HTTPError, .headTooLarge) }
        let cl = try XCTUnwrap(try HTTPResponse.parse(Array("HTTP/1.0 200 OK\nContent-Length: 10\n\nabc".utf8)))
        XCTAssertEqual(cl.body.count, 3); XCTAssertFalse(cl.complete)
        XCTAssertNil(try HTTPResponse.parse(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8))?.head.contentLength)
        XCTAssertThrowsError(try HTTPResponse.parse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n".utf8)))
        XCTAssertThrowsError(try HTTPResponse.parse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8)))
    }

    /// The chunked decoder gives the same body and trailers however the
    /// input is split (every split point of a captured-shape body).
    func testChunkedDecoderIsSplitInvariant() throws {
        let body = Array("6;ext=1\r\nfirst \r\n7\r\nsecond \r\n5\r\nxxxxx\r\n0\r\nX-Trailer: t\r\n\r\n".utf8)
        func decode(_ parts: [[UInt8]]) throws -> ([UInt8], [UInt8], Bool) {
            var d = ChunkedDecoder(); var out: [UInt8] = []
            for p in parts {
                let r = p.withUnsafeBytes { b in Result { () throws(HTTPError) in try d.feed(b) { out += $0 } } }
                _ = try r.get()
            }
            return (out, d.trailers, d.isDone)
        }
        let whole = try decode([body])
        XCTAssertEqual(String(decoding: whole.0, as: UTF8.self), "first second xxxxx")
        XCTAssertEqual(String(decoding: whole.1, as: UTF8.self), "X-Trailer: t\r\n")
        XCTAssertTrue(whole.2)
        for i in 0...body.count {
            let split = try decode([Array(body[0..<i]), Array(body[i...])])
            XCTAssertEqual(split.0, whole.0, "split at \(i)"); XCTAssertEqual(split.1, whole.1); XCTAssertTrue(split.2)
        }
        var rng = SplitMix(seed: 77)
        for _ in 0..<3000 {
            var m = body
            let i = Int(rng.next() % UInt64(m.count)); m[i] = UInt8(truncatingIfNeeded: rng.next())
            _ = try? decode([m])   // never traps; errors are fine
        }
    }

    func testURLs() throws {
        let u = try HTTPURL.parse("http://[fd00::1]:8080/a/b?q=1#frag")
        XCTAssertEqual(u.host, "fd00::1"); XCTAssertEqual(u.port, 8080); XCTAssertEqual(u.path, "/a/b?q=1")
        XCTAssertEqual(u.hostHeader, "[fd00::1]:8080")
        XCTAssertEqual(try HTTPURL.parse("example.com").text, "http://example.com/")
        XCTAssertEqual(try u.resolving("../c").path, "/c")
        XCTAssertEqual(try u.resolving("d?x").path, "/a/d?x")
        XCTAssertEqual(try u.resolving("//other/x").text, "http://other/x")
        XCTAssertEqual(try HTTPURL.parse("https://h/").port, 443)
        XCTAssertThrowsError(try HTTPURL.parse("http://h:99999/"))
        XCTAssertEqual(try HTTPURL.parse("http://h/dir/").fileName, "")
    }
}
