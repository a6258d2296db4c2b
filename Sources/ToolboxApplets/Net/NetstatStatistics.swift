import ToolboxCore

// netstat -s (net-tools 2.10 statistics.c): the counters of /proc/net/snmp
// and /proc/net/netstat (-6: /proc/net/snmp6, then snmp's Tcp) with
// net-tools' wording for the counters it names, `Name: value` for the
// others (non-zero only), its indentation state carried from one line to
// the next as net-tools does. SCTP (/proc/net/sctp/snmp) is not read.

struct NetstatStatEntry {
    let name: StaticString
    let format: StaticString
    /// net-tools enum State (0 number, 1 opt_number, 2 i_forward,
    /// 3 i_inp_icmp, 4 i_outp_icmp, 5 i_rto_alg) | 16 I_STATIC | 32 I_TITLE.
    let type: UInt8
    init(_ name: StaticString, _ format: StaticString, _ type: UInt8) { self.name = name; self.format = format; self.type = type }
}

enum NetstatStatTables {
    /// Iptab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let ip: [NetstatStatEntry] = [
        NetstatStatEntry("DefaultTTL", "Default TTL is %llu", 16),
        NetstatStatEntry("Forwarding", "Forwarding is %s", 18),
        NetstatStatEntry("ForwDatagrams", "%llu forwarded", 0),
        NetstatStatEntry("FragCreates", "%llu fragments created", 1),
        NetstatStatEntry("FragFails", "%llu outgoing packets failed fragmentation", 1),
        NetstatStatEntry("FragOKs", "%llu outgoing packets fragmented ok", 1),
        NetstatStatEntry("InAddrErrors", "%llu with invalid addresses", 1),
        NetstatStatEntry("InDelivers", "%llu incoming packets delivered", 0),
        NetstatStatEntry("InDiscards", "%llu incoming packets discarded", 0),
        NetstatStatEntry("InHdrErrors", "%llu with invalid headers", 1),
        NetstatStatEntry("InReceives", "%llu total packets received", 0),
        NetstatStatEntry("InUnknownProtos", "%llu with unknown protocol", 1),
        NetstatStatEntry("OutDiscards", "%llu outgoing packets dropped", 1),
        NetstatStatEntry("OutNoRoutes", "%llu dropped because of missing route", 1),
        NetstatStatEntry("OutRequests", "%llu requests sent out", 0),
        NetstatStatEntry("ReasmFails", "%llu packet reassemblies failed", 1),
        NetstatStatEntry("ReasmOKs", "%llu packets reassembled ok", 1),
        NetstatStatEntry("ReasmReqds", "%llu reassemblies required", 1),
        NetstatStatEntry("ReasmTimeout", "%llu fragments dropped after timeout", 1),
    ]
    /// Ip6tab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let ip6: [NetstatStatEntry] = [
        NetstatStatEntry("Ip6FragCreates", "%llu fragments created", 1),
        NetstatStatEntry("Ip6FragFails", "%llu outgoing packets failed fragmentation", 1),
        NetstatStatEntry("Ip6FragOKs", "%llu outgoing packets fragmented ok", 1),
        NetstatStatEntry("Ip6InAddrErrors", "%llu with invalid addresses", 1),
        NetstatStatEntry("Ip6InDelivers", "%llu incoming packets delivered", 0),
        NetstatStatEntry("Ip6InDiscards", "%llu incoming packets discarded", 0),
        NetstatStatEntry("Ip6InHdrErrors", "%llu with invalid headers", 1),
        NetstatStatEntry("Ip6InMcastPkts", "%llu incoming multicast packets", 1),
        NetstatStatEntry("Ip6InNoRoutes", "%llu incoming packets with no route", 1),
        NetstatStatEntry("Ip6InReceives", "%llu total packets received", 0),
        NetstatStatEntry("Ip6InTooBigErrors", "%llu with packets too big", 1),
        NetstatStatEntry("Ip6InTruncatedPkts", "%llu with truncated packets", 1),
        NetstatStatEntry("Ip6InUnknownProtos", "%llu with unknown protocol", 1),
        NetstatStatEntry("Ip6OutDiscards", "%llu outgoing packets dropped", 1),
        NetstatStatEntry("Ip6OutForwDatagrams", "%llu forwarded", 0),
        NetstatStatEntry("Ip6OutMcastPkts", "%llu outgoing multicast packets", 1),
        NetstatStatEntry("Ip6OutNoRoutes", "%llu dropped because of missing route", 1),
        NetstatStatEntry("Ip6OutRequests", "%llu requests sent out", 0),
        NetstatStatEntry("Ip6ReasmFails", "%llu packet reassemblies failed", 1),
        NetstatStatEntry("Ip6ReasmOKs", "%llu packets reassembled ok", 1),
        NetstatStatEntry("Ip6ReasmReqds", "%llu reassemblies required", 1),
        NetstatStatEntry("Ip6ReasmTimeout", "%llu fragments dropped after timeout", 1),
    ]
    /// Icmptab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let icmp: [NetstatStatEntry] = [
        NetstatStatEntry("InAddrMaskReps", "address mask replies: %llu", 35),
        NetstatStatEntry("InAddrMasks", "address mask request: %llu", 35),
        NetstatStatEntry("InDestUnreachs", "destination unreachable: %llu", 35),
        NetstatStatEntry("InEchoReps", "echo replies: %llu", 35),
        NetstatStatEntry("InEchos", "echo requests: %llu", 35),
        NetstatStatEntry("InErrors", "%llu input ICMP message failed", 0),
        NetstatStatEntry("InMsgs", "%llu ICMP messages received", 0),
        NetstatStatEntry("InParmProbs", "wrong parameters: %llu", 35),
        NetstatStatEntry("InRedirects", "redirects: %llu", 35),
        NetstatStatEntry("InSrcQuenchs", "source quenches: %llu", 35),
        NetstatStatEntry("InTimeExcds", "timeout in transit: %llu", 35),
        NetstatStatEntry("InTimestampReps", "timestamp reply: %llu", 35),
        NetstatStatEntry("InTimestamps", "timestamp request: %llu", 35),
        NetstatStatEntry("OutAddrMaskReps", "address mask replies: %llu", 36),
        NetstatStatEntry("OutAddrMasks", "address mask requests: %llu", 36),
        NetstatStatEntry("OutDestUnreachs", "destination unreachable: %llu", 36),
        NetstatStatEntry("OutEchoReps", "echo replies: %llu", 36),
        NetstatStatEntry("OutEchos", "echo requests: %llu", 36),
        NetstatStatEntry("OutErrors", "%llu ICMP messages failed", 0),
        NetstatStatEntry("OutMsgs", "%llu ICMP messages sent", 0),
        NetstatStatEntry("OutParmProbs", "wrong parameters: %llu", 36),
        NetstatStatEntry("OutRedirects", "redirect: %llu", 36),
        NetstatStatEntry("OutSrcQuenchs", "source quench: %llu", 36),
        NetstatStatEntry("OutTimeExcds", "time exceeded: %llu", 36),
        NetstatStatEntry("OutTimestampReps", "timestamp replies: %llu", 36),
        NetstatStatEntry("OutTimestamps", "timestamp requests: %llu", 36),
    ]
    /// Icmp6tab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let icmp6: [NetstatStatEntry] = [
        NetstatStatEntry("Icmp6InDestUnreachs", "destination unreachable: %llu", 35),
        NetstatStatEntry("Icmp6InEchoReplies", "echo replies: %llu", 35),
        NetstatStatEntry("Icmp6InEchos", "echo requests: %llu", 35),
        NetstatStatEntry("Icmp6InErrors", "%llu input ICMP message failed", 0),
        NetstatStatEntry("Icmp6InGroupMembQueries", "group member queries: %llu", 35),
        NetstatStatEntry("Icmp6InGroupMembReductions", "group member reductions: %llu", 35),
        NetstatStatEntry("Icmp6InGroupMembResponses", "group member responses: %llu", 35),
        NetstatStatEntry("Icmp6InMsgs", "%llu ICMP messages received", 0),
        NetstatStatEntry("Icmp6InNeighborAdvertisements", "neighbour advertisement: %llu", 35),
        NetstatStatEntry("Icmp6InNeighborSolicits", "neighbour solicits: %llu", 35),
        NetstatStatEntry("Icmp6InParmProblems", "parameter problem: %llu", 35),
        NetstatStatEntry("Icmp6InPktTooBigs", "packets too big: %llu", 35),
        NetstatStatEntry("Icmp6InRedirects", "redirects: %llu", 35),
        NetstatStatEntry("Icmp6InRouterAdvertisements", "router advertisement: %llu", 35),
        NetstatStatEntry("Icmp6InRouterSolicits", "router solicits: %llu", 35),
        NetstatStatEntry("Icmp6InTimeExcds", "received ICMPv6 time exceeded: %llu", 35),
        NetstatStatEntry("Icmp6OutDestUnreachs", "destination unreachable: %llu", 36),
        NetstatStatEntry("Icmp6OutEchoReplies", "echo replies: %llu", 36),
        NetstatStatEntry("Icmp6OutEchos", "echo requests: %llu", 36),
        NetstatStatEntry("Icmp6OutGroupMembQueries", "group member queries: %llu", 36),
        NetstatStatEntry("Icmp6OutGroupMembReductions", "group member reductions: %llu", 36),
        NetstatStatEntry("Icmp6OutGroupMembResponses", "group member responses: %llu", 36),
        NetstatStatEntry("Icmp6OutMsgs", "%llu ICMP messages sent", 0),
        NetstatStatEntry("Icmp6OutNeighborAdvertisements", "neighbor advertisements: %llu", 36),
        NetstatStatEntry("Icmp6OutNeighborSolicits", "neighbor solicits: %llu", 36),
        NetstatStatEntry("Icmp6OutParmProblems", "parameter problem: %llu", 36),
        NetstatStatEntry("Icmp6OutPktTooBigs", "packets too big: %llu", 36),
        NetstatStatEntry("Icmp6OutRedirects", "redirects: %llu", 36),
        NetstatStatEntry("Icmp6OutRouterAdvertisements ", "router advertisement: %llu", 36),
        NetstatStatEntry("Icmp6OutRouterSolicits", "router solicits: %llu", 36),
        NetstatStatEntry("Icmp6OutTimeExcds", "sent ICMPv6 time exceeded: %llu", 36),
    ]
    /// Tcptab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let tcp: [NetstatStatEntry] = [
        NetstatStatEntry("ActiveOpens", "%llu active connection openings", 0),
        NetstatStatEntry("AttemptFails", "%llu failed connection attempts", 0),
        NetstatStatEntry("CurrEstab", "%llu connections established", 0),
        NetstatStatEntry("EstabResets", "%llu connection resets received", 0),
        NetstatStatEntry("InErrs", "%llu bad segments received", 0),
        NetstatStatEntry("InSegs", "%llu segments received", 0),
        NetstatStatEntry("MaxConn", "", 0),
        NetstatStatEntry("OutRsts", "%llu resets sent", 0),
        NetstatStatEntry("OutSegs", "%llu segments sent out", 0),
        NetstatStatEntry("PassiveOpens", "%llu passive connection openings", 0),
        NetstatStatEntry("RetransSegs", "%llu segments retransmitted", 0),
        NetstatStatEntry("RtoAlgorithm", "RTO algorithm is %s", 21),
        NetstatStatEntry("RtoMax", "", 0),
        NetstatStatEntry("RtoMin", "", 0),
    ]
    /// Udptab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let udp: [NetstatStatEntry] = [
        NetstatStatEntry("InDatagrams", "%llu packets received", 0),
        NetstatStatEntry("InErrors", "%llu packet receive errors", 0),
        NetstatStatEntry("NoPorts", "%llu packets to unknown port received", 0),
        NetstatStatEntry("OutDatagrams", "%llu packets sent", 0),
        NetstatStatEntry("RcvbufErrors", "%llu receive buffer errors", 0),
        NetstatStatEntry("SndbufErrors", "%llu send buffer errors", 0),
    ]
    /// Udp6tab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let udp6: [NetstatStatEntry] = [
        NetstatStatEntry("Udp6InDatagrams", "%llu packets received", 0),
        NetstatStatEntry("Udp6InErrors", "%llu packet receive errors", 0),
        NetstatStatEntry("Udp6NoPorts", "%llu packets to unknown port received", 0),
        NetstatStatEntry("Udp6OutDatagrams", "%llu packets sent", 0),
    ]
    /// Tcpexttab, in net-tools' order (not always sorted: looked up as glibc bsearch does).
    static let tcpext: [NetstatStatEntry] = [
        NetstatStatEntry("DelayedACKLocked", "%llu delayed acks further delayed because of locked socket", 1),
        NetstatStatEntry("DelayedACKLost", "Quick ack mode was activated %llu times", 1),
        NetstatStatEntry("DelayedACKs", "%llu delayed acks sent", 1),
        NetstatStatEntry("EmbryonicRsts", "%llu resets received for embryonic SYN_RECV sockets", 1),
        NetstatStatEntry("ListenDrops", "%llu SYNs to LISTEN sockets dropped", 1),
        NetstatStatEntry("ListenOverflows", "%llu times the listen queue of a socket overflowed", 1),
        NetstatStatEntry("LockDroppedIcmps", "%llu ICMP packets dropped because socket was locked", 1),
        NetstatStatEntry("OfoPruned", "%llu packets dropped from out-of-order queue because of socket buffer overrun", 1),
        NetstatStatEntry("OutOfWindowIcmps", "%llu ICMP packets dropped because they were out-of-window", 1),
        NetstatStatEntry("PAWSActive", "%llu active connections rejected because of time stamp", 1),
        NetstatStatEntry("PAWSEstab", "%llu packets rejected in established connections because of timestamp", 1),
        NetstatStatEntry("PAWSPassive", "%llu passive connections rejected because of time stamp", 1),
        NetstatStatEntry("PruneCalled", "%llu packets pruned from receive queue because of socket buffer overrun", 1),
        NetstatStatEntry("RcvPruned", "%llu packets pruned from receive queue", 1),
        NetstatStatEntry("SockMallocOOM", "Ran %llu times out of system memory during packet sending", 1),
        NetstatStatEntry("SyncookiesFailed", "%llu invalid SYN cookies received", 1),
        NetstatStatEntry("SyncookiesRecv", "%llu SYN cookies received", 1),
        NetstatStatEntry("SyncookiesSent", "%llu SYN cookies sent", 1),
        NetstatStatEntry("TCPAbortFailed", "%llu times unable to send RST due to no memory", 1),
        NetstatStatEntry("TCPAbortOnClose", "%llu connections reset due to early user close", 1),
        NetstatStatEntry("TCPAbortOnData", "%llu connections reset due to unexpected data", 1),
        NetstatStatEntry("TCPAbortOnLinger", "%llu connections aborted after user close in linger timeout", 1),
        NetstatStatEntry("TCPAbortOnMemory", "%llu connections aborted due to memory pressure", 1),
        NetstatStatEntry("TCPAbortOnSyn", "%llu connections reset due to unexpected SYN", 1),
        NetstatStatEntry("TCPAbortOnTimeout", "%llu connections aborted due to timeout", 1),
        NetstatStatEntry("TCPDirectCopyFromBacklog", "%llu bytes directly in process context from backlog", 1),
        NetstatStatEntry("TCPDirectCopyFromPrequeue", "%llu bytes directly received in process context from prequeue", 1),
        NetstatStatEntry("TCPDSACKOfoRecv", "%llu DSACKs for out of order packets received", 1),
        NetstatStatEntry("TCPDSACKOfoSent", "%llu DSACKs sent for out of order packets", 1),
        NetstatStatEntry("TCPDSACKOldSent", "%llu DSACKs sent for old packets", 1),
        NetstatStatEntry("TCPDSACKRecv", "%llu DSACKs received", 1),
        NetstatStatEntry("TCPDSackUndo", "%llu congestion window recovered without slow start using DSACK", 1),
        NetstatStatEntry("TCPDSACKUndo", "%llu congestion windows recovered without slow start by DSACK", 1),
        NetstatStatEntry("TCPFACKReorder", "Detected reordering %llu times using FACK", 1),
        NetstatStatEntry("TCPFastRetrans", "%llu fast retransmits", 1),
        NetstatStatEntry("TCPForwardRetrans", "%llu forward retransmits", 1),
        NetstatStatEntry("TCPFullUndo", "%llu congestion windows fully recovered without slow start", 1),
        NetstatStatEntry("TCPHPAcks", "%llu predicted acknowledgments", 1),
        NetstatStatEntry("TCPHPHits", "%llu packet headers predicted", 0),
        NetstatStatEntry("TCPHPHitsToUser", "%llu packet headers predicted and directly queued to user", 1),
        NetstatStatEntry("TCPLossFailures", "%llu timeouts in loss state", 1),
        NetstatStatEntry("TCPLoss", "%llu TCP data loss events", 1),
        NetstatStatEntry("TCPLossUndo", "%llu congestion windows recovered without slow start after partial ack", 1),
        NetstatStatEntry("TCPLostRetransmits", "%llu retransmits lost", 1),
        NetstatStatEntry("TCPMemoryPressures", "TCP ran low on memory %llu times", 1),
        NetstatStatEntry("TCPPartialUndo", "%llu congestion windows partially recovered using Hoe heuristic", 1),
        NetstatStatEntry("TCPPrequeued", "%llu packets directly queued to recvmsg prequeue", 1),
        NetstatStatEntry("TCPPrequeueDropped", "%llu packets dropped from prequeue", 1),
        NetstatStatEntry("TCPPureAcks", "%llu acknowledgments not containing data payload received", 1),
        NetstatStatEntry("TCPRcvCollapsed", "%llu packets collapsed in receive queue due to low socket buffer", 1),
        NetstatStatEntry("TCPRenoFailures", "%llu timeouts after reno fast retransmit", 1),
        NetstatStatEntry("TCPRenoRecoveryFailed", "%llu reno fast retransmits failed", 1),
        NetstatStatEntry("TCPRenoRecoveryFail", "%llu classic Reno fast retransmits failed", 1),
        NetstatStatEntry("TCPRenoRecovery", "%llu times recovered from packet loss due to fast retransmit", 1),
        NetstatStatEntry("TCPRenoReorder", "Detected reordering %llu times using reno fast retransmit", 1),
        NetstatStatEntry("TCPSackFailures", "%llu timeouts after SACK recovery", 1),
        NetstatStatEntry("TCPSackRecoveryFail", "%llu SACK retransmits failed", 1),
        NetstatStatEntry("TCPSackRecovery", "%llu times recovered from packet loss by selective acknowledgements", 1),
        NetstatStatEntry("TCPSACKReneging", "%llu bad SACK blocks received", 1),
        NetstatStatEntry("TCPSACKReorder", "Detected reordering %llu times using SACK", 1),
        NetstatStatEntry("TCPSchedulerFailed", "%llu times receiver scheduled too late for direct processing", 1),
        NetstatStatEntry("TCPSlowStartRetrans", "%llu retransmits in slow start", 1),
        NetstatStatEntry("TCPTimeouts", "%llu other TCP timeouts", 1),
        NetstatStatEntry("TCPTSReorder", "Detected reordering %llu times using time stamp", 1),
        NetstatStatEntry("TWKilled", "%llu TCP sockets finished time wait in slow timer", 1),
        NetstatStatEntry("TW", "%llu TCP sockets finished time wait in fast timer", 1),
        NetstatStatEntry("TWRecycled", "%llu time wait sockets recycled by time stamp", 1),
    ]
}

final class NetstatStatistics {
    let out: OutputWriter
    let err: OutputWriter
    let opts: NetstatOptions
    var state: UInt8 = 0

    init(_ ctx: Context, opts: NetstatOptions) { out = ctx.out; err = ctx.err; self.opts = opts }

    /// states[].indent
    func indent(_ s: UInt8) -> Int { s == 3 || s == 4 ? 8 : 4 }

    /// The table for `title` and whether it prints (net-tools' f_raw,
    /// f_tcp, f_udp; unknown tables always print).
    func table(_ title: String, v6: Bool) -> (entries: [NetstatStatEntry], on: Bool) {
        let known: [(String, [NetstatStatEntry], Bool)] = v6
            ? [("Ip6", NetstatStatTables.ip6, opts.raw), ("Icmp6", NetstatStatTables.icmp6, opts.raw),
               ("Udp6", NetstatStatTables.udp6, opts.udp), ("Tcp6", NetstatStatTables.tcp, opts.tcp)]
            : [("Ip", NetstatStatTables.ip, opts.raw), ("Icmp", NetstatStatTables.icmp, opts.raw),
               ("Tcp", NetstatStatTables.tcp, opts.tcp), ("Udp", NetstatStatTables.udp, opts.udp),
               ("TcpExt", NetstatStatTables.tcpext, opts.tcp)]
        for (t, e, on) in known where t == title {
            if on { out.line("\(title):") }
            state = 0
            return (e, on)
        }
        out.line("\(title):")
        return ([], true)
    }

    /// glibc bsearch(3) with strcmp over the table as it is (some of
    /// net-tools' tables are out of order, so some names are not found).
    func find(_ name: String, _ entries: [NetstatStatEntry]) -> NetstatStatEntry? {
        var l = 0, u = entries.count
        let key = Array(name.utf8)
        while l < u {
            let i = (l + u) / 2
            let e = entries[i].name
            let c = UnsafeBufferPointer(start: e.utf8Start, count: e.utf8CodeUnitCount)
            if key.lexicographicallyPrecedes(c) { u = i } else if c.lexicographicallyPrecedes(key) { l = i + 1 } else { return entries[i] }
        }
        return nil
    }

    func value(_ entries: [NetstatStatEntry], _ name: String, _ v: UInt64) {
        guard let e = find(name, entries) else {
            if v != 0 { out.repeatByte(ASCII.space, indent(state)); out.write(name); out.write(": "); out.decimal(v); out.byte(ASCII.newline) }
            return
        }
        var type = e.type
        if type & 16 != 0 { return }          // I_STATIC: net-tools prints them only in a mode it never enables
        if e.format.utf8CodeUnitCount == 0 { return }
        if type & 32 != 0 {
            type &= ~32
            if state != type {
                out.repeatByte(ASCII.space, indent(state))
                out.line(type == 3 ? "ICMP input histogram:" : type == 4 ? "ICMP output histogram:" : "")
            }
        }
        var arg: String?
        switch type {
        case 0: arg = String(v)
        case 1: if v != 0 { arg = String(v) }
        case 2: type = 0; arg = v == 2 ? "enabled" : "disabled"
        case 3, 4: if v > 0 { arg = String(v) }
        default: break
        }
        if let arg {
            out.repeatByte(ASCII.space, indent(type))
            let f = UnsafeBufferPointer(start: e.format.utf8Start, count: e.format.utf8CodeUnitCount)
            if let p = f.firstIndex(of: 0x25) {
                var q = p + 1
                while q < f.count, !(f[q] >= 0x61 && f[q] <= 0x7A && f[q] != 0x6C) { q += 1 }   // past "llu" / "s"
                out.write(Bytes(rebasing: f[..<p])); out.write(arg)
                if q + 1 < f.count { out.write(Bytes(rebasing: f[(q + 1)...])) }
            } else {
                out.write(f)
            }
            out.byte(ASCII.newline)
        }
        state = type
    }

    func pairs(_ tables: [SNMPTable], v6: Bool, onlyTcp: Bool = false) {
        for t in tables {
            if onlyTcp && !t.title.hasPrefix("Tcp") { continue }
            let (entries, on) = table(t.title, v6: v6)
            if !on { continue }
            for c in t.counters { value(entries, c.name, c.value) }
        }
    }

    func print(netDir: String) throws(ToolError) {
        var bad = false
        if opts.statsV6 {
            // process6_fd: a new table whenever the name stops containing
            // the current title (the name up to its first '6').
            let lines = try netstatRead(netDir, "snmp6") { SNMPTable.parseLines($0) }
            var title = "", entries: [NetstatStatEntry] = [], on = true, first = true
            for (name, v) in lines {
                if first || !netstatContains(name, title) {
                    // cpytitle: up to and including the first '6'.
                    title = name.firstIndex(of: "6").map { String(name[...$0]) } ?? name
                    (entries, on) = table(title, v6: true)
                    first = false
                }
                if on { value(entries, name, v) }
            }
            pairs(try netstatRead(netDir, "snmp") { SNMPTable.parsePairs($0, malformed: &bad) }, v6: false, onlyTcp: true)
        } else {
            pairs(try netstatRead(netDir, "snmp") { SNMPTable.parsePairs($0, malformed: &bad) }, v6: false)
            if bad { out.flush(); err.line("Problem while parsing /proc/net/snmp"); err.flush(); bad = false }
            if let t = try? netstatRead(netDir, "netstat", { SNMPTable.parsePairs($0, malformed: &bad) }) { pairs(t, v6: false) }
            if bad { out.flush(); err.line("Problem while parsing /proc/net/netstat"); err.flush() }
        }
    }
}

/// strstr(3) != NULL, on bytes (String.contains(String) would link
/// _StringProcessing).
func netstatContains(_ s: String, _ part: String) -> Bool {
    let a = Array(s.utf8), b = Array(part.utf8)
    if b.isEmpty { return true }
    if b.count > a.count { return false }
    for i in 0...(a.count - b.count) where a[i..<(i + b.count)].elementsEqual(b) { return true }
    return false
}
