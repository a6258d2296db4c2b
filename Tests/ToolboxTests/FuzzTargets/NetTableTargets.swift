import ToolboxCore

// The /proc/net tables of netstat -r, -i, -g and -s (issue 15): each input
// goes through its pure parser (the replay compares a summary of the
// values) and through netstat reading it from the fixture /proc/net.

let routeFuzzTarget = FuzzTarget(name: "route", seeds: []) { data in
    var bad = 0
    let r = Route.parseIPv4(data, malformed: &bad)
    return "rows=\(r.count) bad=\(bad) " + r.prefix(3).map { "\($0.device)/\($0.destination.text)/\($0.flags)" }.joined(separator: " ")
        + netTableRun("route", data, [["-rn"], ["-r"], ["-ree"], ["-re"]])
}

let route6FuzzTarget = FuzzTarget(name: "route6", seeds: []) { data in
    var bad = 0
    let r = Route.parseIPv6(data, malformed: &bad)
    return "rows=\(r.count) bad=\(bad) " + r.prefix(3).map { "\($0.destination.text)/\($0.prefixLength)/\($0.metric)" }.joined(separator: " ")
        + netTableRun("ipv6_route", data, [["-rn6"], ["-r6"]])
}

let netdevFuzzTarget = FuzzTarget(name: "netdev", seeds: []) { data in
    var bad = 0
    let d = NetDevice.parse(data, malformed: &bad)
    return "rows=\(d.count) bad=\(bad) " + d.prefix(3).map { "\($0.name)/\($0.rxPackets)/\($0.txFifo)" }.joined(separator: " ")
}

let igmpFuzzTarget = FuzzTarget(name: "igmp", seeds: []) { data in
    var bad = 0, bad6 = 0
    let g = MulticastGroup.parseIGMP(data, malformed: &bad)
    let g6 = MulticastGroup.parseIGMP6(data, malformed: &bad6)
    return "rows=\(g.count)/\(g6.count) bad=\(bad)/\(bad6) " + g.prefix(3).map { "\($0.device)/\($0.group.text)" }.joined(separator: " ")
        + netTableRun("igmp", data, [["-gn", "-4"]]) + netTableRun("igmp6", data, [["-gn", "-6"]])
}

let snmpFuzzTarget = FuzzTarget(name: "snmp", seeds: []) { data in
    var bad = false
    let t = SNMPTable.parsePairs(data, malformed: &bad)
    let l = SNMPTable.parseLines(data)
    return "tables=\(t.count) lines=\(l.count) bad=\(bad) " + t.prefix(3).map { "\($0.title):\($0.counters.count)" }.joined(separator: " ")
        + netTableRun("snmp", data, [["-s"], ["-st"]]) + netTableRun("snmp6", data, [["-s6"]])
}
