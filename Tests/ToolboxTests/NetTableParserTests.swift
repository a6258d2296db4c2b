import XCTest
import ToolboxCore
@testable import ToolboxApplets

/// The pure parsers behind netstat -r -i -g -s and ps's terminal names, on
/// lines captured from Linux 6.x (Debian 12 userland, the test VM) and named
/// edge cases.
final class NetTableParserTests: XCTestCase {
    func parse<T>(_ s: String, _ f: (Bytes) -> T) -> T { Array(s.utf8).withUnsafeBufferPointer { f($0) } }

    func testIPv4RoutesAreHostOrderWordsAndMalformedLinesAreCounted() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
            + "v0\t00000000\tFD004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "*\t0000630A\t00000000\t0201\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
            + "v0\tZZZZ\n"
        var bad = 0
        let r = parse(text) { Route.parseIPv4($0, malformed: &bad) }
        XCTAssertEqual(bad, 1)
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(r[0].gateway.text, "10.77.0.253")
        XCTAssertEqual(r[1].destination.text, "10.99.0.0")
        XCTAssertEqual(r[1].mask.text, "255.255.0.0")
        XCTAssertEqual(r[1].flags, 0x201)
        XCTAssertEqual(netstatRouteFlags(0x201, v6: false), "!")
        XCTAssertEqual(netstatRouteFlags(0x3, v6: false), "UG")
        XCTAssertEqual(netstatRouteFlags(0x200200, v6: true), "!n")
    }

    func testIPv6RoutesKeepSignedMetrics() {
        let text = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
            + "fd220000000000000000000000000000 30 00000000000000000000000000000000 00 fd1100000000000000000000000000fe 00000400 00000001 00000000 00000003       v0\n"
            + "short line\n"
        var bad = 0
        let r = parse(text) { Route.parseIPv6($0, malformed: &bad) }
        XCTAssertEqual(bad, 1)
        XCTAssertEqual(r.map(\.metric), [-1, 1024])
        XCTAssertEqual(r[1].destination.text, "fd22::")
        XCTAssertEqual(r[1].prefixLength, 48)
        XCTAssertEqual(r[1].gateway.text, "fd11::fe")
    }

    func testNetDevAndGroups() {
        var bad = 0
        let dev = parse("Inter-|   Receive\n face |bytes\n    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth0: 1 2\n") { NetDevice.parse($0, malformed: &bad) }
        XCTAssertEqual(bad, 1)
        XCTAssertEqual(dev.first?.name, "lo")
        XCTAssertEqual(dev.first?.rxFifo, 5)
        XCTAssertEqual(dev.first?.txFifo, 13)
        bad = 0
        let g = parse("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n") {
            MulticastGroup.parseIGMP($0, malformed: &bad)
        }
        // The device keeps the kernel's %-10s padding: net-tools reads it
        // with sscanf's %10c and prints it so (netstat -g's column).
        XCTAssertEqual(g, [MulticastGroup(device: "lo        ", group: InetAddress(ipv4: 0xE000_0001), users: 1)])
        let g6 = parse("2    v0              ff020000000000000000000000000001     1 0000000C 0\n") { MulticastGroup.parseIGMP6($0, malformed: &bad) }
        XCTAssertEqual(g6.first?.group.text, "ff02::1")
        XCTAssertEqual(bad, 0)
    }

    func testSNMPPairsAndNegativeValues() {
        var bad = false
        let t = parse("Tcp: RtoAlgorithm MaxConn ActiveOpens\nTcp: 1 -1 7\nIp: A\n") { SNMPTable.parsePairs($0, malformed: &bad) }
        XCTAssertEqual(t.count, 1)
        XCTAssertEqual(t[0].counters.map(\.value), [1, UInt64.max, 7])
        XCTAssertFalse(bad)
        _ = parse("Tcp A\nTcp 1\n") { SNMPTable.parsePairs($0, malformed: &bad) }
        XCTAssertTrue(bad)
        let l = parse("Ip6InReceives                   \t4\nIcmp6InMsgs 0\n") { SNMPTable.parseLines($0) }
        XCTAssertEqual(l.map(\.name), ["Ip6InReceives", "Icmp6InMsgs"])
    }

    func testTtyDrivers() {
        let d = parse("/dev/tty             /dev/tty        5       0 system:/dev/tty\nserial               /dev/ttyS       4      64-67 serial\nusbserial            /dev/ttyUSB%d 188 0-511 serial\nbogus\n") { TtyDriver.parse($0) }
        XCTAssertEqual(d, [TtyDriver(name: "tty", major: 5, minorFirst: 0, minorLast: 0, devfs: false),
                           TtyDriver(name: "ttyS", major: 4, minorFirst: 64, minorLast: 67, devfs: false),
                           TtyDriver(name: "ttyUSB", major: 188, minorFirst: 0, minorLast: 511, devfs: true)])
    }

    func testPsSysvFormats() throws {
        func fmt(_ a: [String]) throws -> String { psSysvFormat(try parsePsArguments(a)) }
        XCTAssertEqual(try fmt(["-l"]), "f,s,uid,pid,ppid,c,opri,ni,addr_1,sz,wchan,tname,time,ucmd")
        XCTAssertEqual(try fmt(["-ly"]), "s,uid,pid,ppid,c,opri,ni,rss,sz,wchan,tname,time,ucmd")
        XCTAssertEqual(try fmt(["-F"]), "uid_hack,pid,ppid,c,sz,rss,psr,stime,tname,time,cmd")
        XCTAssertEqual(try fmt(["-j"]), "pid,pgid,sid,tname,time,ucmd")
        XCTAssertEqual(try fmt(["1"]), "pid,tname,stat,bsdtime,args")
        XCTAssertEqual(try fmt(["-l", "1"]), "f,s,uid,pid,ppid,c,opri,ni,addr_1,sz,wchan,tname,bsdtime,cmd")
        XCTAssertThrowsError(try parsePsArguments(["-y"]))
        XCTAssertThrowsError(try parsePsArguments(["1", "x"]))
        let o = try parsePsArguments(["-o", "pid", "12", "+3", "-4"])
        XCTAssertEqual(o.pids, [12]); XCTAssertEqual(o.sessions, [3]); XCTAssertEqual(o.pgrps, [4])
        XCTAssertTrue(o.preferBSD)
    }
}
