import ToolboxCore

/// A /proc/net table as `netstat --source=proc` reads it from ProcFS's
/// net/ folder: the input becomes the one file `name`, then netstat runs
/// with the given argument lists (numeric, names, wide, extended, JSON).
func netTableRun(_ name: String, _ data: Bytes, _ runs: [[String]]) -> String {
    let proc = FuzzProcTree.paths.proc
    FuzzScratch.write("proc/net/\(name)", data)
    defer { FuzzScratch.write("proc/net/\(name)", "") }
    var r = ""
    for args in runs { r += " " + fuzzDispatch(["netstat", "--source=proc"] + args, procRoot: proc) }
    return r
}

/// Parsed rows of an inet table, with each address's text (the formatter
/// netstat uses), so the replay compares values, not only "no crash".
func inetRows(_ data: Bytes) -> String {
    var n = 0, text = ""
    let bad = InetSocket.forEach(in: data) { s in
        n += 1
        if n <= 4 { text += " \(s.local.text):\(s.localPort)>\(s.remote.text):\(s.remotePort)/\(s.state)/\(s.inode)" }
    }
    return "rows=\(n) bad=\(bad)" + text
}

let tcpFuzzTarget = FuzzTarget(name: "tcp", seeds: ["netstat/proc/net/tcp"]) { data in
    inetRows(data) + netTableRun("tcp", data, [["-tan"], ["-ta"], ["-tlneW", "-v"], ["-ta", "--json"]])
}

let tcp6FuzzTarget = FuzzTarget(name: "tcp6", seeds: ["netstat/proc/net/tcp6", "netstat/proc/net/raw6"]) { data in
    inetRows(data) + netTableRun("tcp6", data, [["-tan"], ["-ta6"], ["-taneW", "-v"], ["-ta", "--json"]])
}

let udpFuzzTarget = FuzzTarget(name: "udp", seeds: ["netstat/proc/net/udp", "netstat/proc/net/udp6", "netstat/proc/net/raw"]) { data in
    inetRows(data) + netTableRun("udp", data, [["-uan"], ["-ua"], ["-uaeW", "-v"], ["-ua", "--json"]])
}

let unixFuzzTarget = FuzzTarget(name: "unix", seeds: ["netstat/proc/net/unix"]) { data in
    var n = 0, text = ""
    let bad = UnixSocket.forEach(in: data) { s in
        n += 1
        if n <= 4 { text += " \(s.type)/\(s.state)/\(s.flags)/\(s.inode)/\(s.path.count)" }
    }
    return "rows=\(n) bad=\(bad)" + text + netTableRun("unix", data, [["-xa"], ["-xlv"], ["-xa", "--json"]])
}

/// A netlink sock_diag reply datagram, walked and decoded as SockDiag does
/// with a real socket. The first byte picks the dump: 0 inet (IPv4, TCP),
/// 1 inet6 (UDP), 2 unix; the rest is the datagram, copied into a 16-byte
/// aligned buffer as recv(2) fills SockDiag's.
let netlinkFuzzTarget = FuzzTarget(name: "netlink", seeds: []) { data in
    guard let kind = data.first else { return "empty" }
    let body = Bytes(rebasing: data[1...])
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 16)
    defer { buf.deallocate() }
    if body.count > 0 { buf.copyMemory(from: UnsafeRawBufferPointer(body)) }
    var rows: [String] = []
    let done: String
    do throws(Errno) {
        let finished = try SockDiag.walk(UnsafeRawPointer(buf.baseAddress!), body.count) { payload, len in
            switch kind % 3 {
            case 0:
                if let s = SockDiag.inetSocket(payload, len, family: AF_INET, proto: Int32(IPPROTO_TCP)) {
                    rows.append("\(s.local.text):\(s.localPort)>\(s.remote.text):\(s.remotePort)/\(s.state)/\(s.inode)")
                }
            case 1:
                if let s = SockDiag.inetSocket(payload, len, family: AF_INET6, proto: Int32(IPPROTO_UDP)) {
                    rows.append("\(s.local.text):\(s.localPort)>\(s.remote.text):\(s.remotePort)/\(s.state)/\(s.inode)")
                }
            default:
                if let s = SockDiag.unixSocket(payload, len) {
                    rows.append("\(s.type)/\(s.state)/\(s.flags)/\(s.inode)/\(s.path.count)")
                }
            }
        }
        done = finished ? "done" : "more"
    } catch {
        done = "error \(error.rawValue)"
    }
    return "\(done) rows=\(rows.count) " + rows.prefix(4).joined(separator: " ")
}
