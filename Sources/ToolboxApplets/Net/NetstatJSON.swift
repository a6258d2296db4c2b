import ToolboxCore

// netstat --json / --jsonl: one row object per socket, inet and unix rows in
// one array, in the order the text prints them (docs/json.md). Addresses
// are always numeric; `pid` and `program` only with -p.

extension SocketPrinter {
    func jsonInet(_ t: InetTable, _ s: InetSocket) {
        guard let json else { return }
        let w = json.beginRow()
        w.key("proto").string(t.label)
        w.key("recv_q").int(s.rxQueue).key("send_q").int(s.txQueue)
        var a = AddressText(); a.append(s.local)
        w.key("local_address"); _ = a.withBytes { w.string(bytes: $0) }
        w.key("local_port").int(s.localPort)
        var r = AddressText(); r.append(s.remote)
        w.key("foreign_address"); _ = r.withBytes { w.string(bytes: $0) }
        w.key("foreign_port").int(s.remotePort)
        w.key("state")
        switch t.proto {
        case .tcp:
            let st = Int(s.state)
            w.string(st < InetSocket.tcpStateNames.count ? InetSocket.tcpStateNames[st] : "UNKNOWN")
        case .udp, .udplite: w.string(s.state == 1 ? "ESTABLISHED" : s.state == 7 ? "CLOSE" : "UNKNOWN")
        case .raw: w.string(String(s.state))
        }
        w.key("uid").int(s.uid).key("user").string(users.name(s.uid))
        w.key("inode").int(s.inode)
        jsonOwner(w, s.inode)
        json.endRow()
    }

    func jsonUnix(_ s: UnixSocket) {
        guard let json else { return }
        let w = json.beginRow()
        w.key("proto").string("unix" as StaticString)
        w.key("refcnt").int(s.refCount)
        w.key("flags").beginArray()
        if s.flags & UnixSocket.acceptCon != 0 { w.string("ACC" as StaticString) }
        if s.flags & (1 << 17) != 0 { w.string("W" as StaticString) }
        if s.flags & (1 << 18) != 0 { w.string("N" as StaticString) }
        w.endArray()
        w.key("type").string(unixType(s.type))
        w.key("state").string(unixState(s))
        w.key("inode").int(s.inode)
        w.key("path")
        if s.path.isEmpty { w.null() } else { w.string(bytes: s.path[...]) }
        jsonOwner(w, s.inode)
        json.endRow()
    }

    /// -p: `pid` and `program` (null when the owner is unknown).
    func jsonOwner(_ w: JSONWriter, _ inode: UInt64) {
        guard opts.programs else { return }
        if let o = owners?.ownerIndex(of: inode), let owner = owners?.owners[o] {
            w.key("pid").int(owner.pid).key("program").string(owner.name)
        } else {
            w.key("pid").null().key("program").null()
        }
    }
}
