import ToolboxCore

let lsofApplet = Applet(spec: AppletSpec(
    name: "lsof",
    summary: "List open files: cwd, root, program, mapped files and descriptors of processes (lsof's columns)",
    usage: ["[-nPta] [-p PID[,PID]] [-u USER[,USER]] [-c NAME] [-i [46][PROTO][@HOST][:PORT]] [+D DIR] [--json] [FILE...]"],
    details: """
    Columns as Debian's lsof 4.9x: COMMAND PID USER FD TYPE DEVICE SIZE/OFF
    NODE NAME; FD is cwd, rtd, txt, mem (each mapped file once, from
    /proc/PID/maps), DEL (a mapped file since deleted) or the descriptor
    with its mode (r, w, u). Sockets are named from the process's own
    network namespace (/proc/PID/net: the tables netstat reads); user names
    from the process's own /etc/passwd. Descriptors of a process this one
    cannot ptrace are read with its borrowed uid and gid (links only: no
    device, size or inode). Selections (-p, -u, -c select processes; -i,
    +D DIR and FILE operands select files) are ORed, or ANDed with -a.
    -p and -u take comma lists; `^X` excludes. -i: `4` or `6`, TCP or UDP,
    @HOST (an address, or a name in /etc/hosts), :PORT (number, name,
    range N-M or comma list). +D DIR: every open file in DIR's tree
    (walked without recursion, symbolic links not followed). Host names come
    from /etc/hosts only (no DNS); -n prints addresses, -P port numbers.
    -t prints only the process ids. Exit status: 1 when a PID, command,
    user, address or file asked for was not found or nothing was listed.
    """,
    options: [
        .value("p", nil, "PIDS", "processes with these ids (comma list, ^PID excludes)"),
        .value("u", nil, "USERS", "processes of these users (names or uids, comma list, ^USER excludes)"),
        .value("c", nil, "NAME", "processes whose command starts with NAME (repeatable)"),
        .value("i", nil, "ADDR", "Internet sockets matching [46][PROTO][@HOST][:PORT] (the argument is optional)"),
        .flag("a", nil, "AND the selections instead of ORing them"),
        .flag("n", nil, "no host names"),
        .flag("P", nil, "no port names"),
        .flag("t", nil, "print process ids only, one a line"),
        .flag(nil, "json", "one JSON array of open files (keys in docs/json.md)"),
    ]), run: runLsof)

/// One -i argument.
struct LsofInetSpec {
    var version: Int = 0            // 0 any, 4, 6
    var proto: String? = nil        // "TCP", "UDP"
    var hosts: [InetAddress]? = nil
    var ports: [ClosedRange<UInt16>]? = nil
}

struct LsofOptions {
    var pids: [Int32] = [], notPids: [Int32] = []
    var users: [String] = [], notUsers: [String] = []
    var commands: [String] = []
    var inet: [LsofInetSpec]? = nil
    var dirs: [String] = [], files: [String] = []
    var and = false, numericHosts = false, numericPorts = false, terse = false, json = false
}

func parseLsofArguments(_ args: [String]) throws -> LsofOptions {
    var o = LsofOptions()
    var inetArgs: [String] = []
    var wantInet = false
    var i = 0
    func bad(_ m: String) -> ToolError { lsofApplet.spec.usageError(m) }
    while i < args.count {
        let a = args[i]; i += 1
        if a == "--json" { o.json = true; continue }
        if a == "--" { o.files.append(contentsOf: args[i...]); break }
        if a.hasPrefix("+D") {
            if a.count > 2 { o.dirs.append(String(a.dropFirst(2))); continue }
            guard i < args.count else { throw bad("+D not followed by a directory") }
            o.dirs.append(args[i]); i += 1; continue
        }
        guard a.hasPrefix("-"), a.count > 1, !a.hasPrefix("--") else {
            if a.hasPrefix("--") { throw bad("unknown option '\(a)'") }
            o.files.append(a); continue
        }
        let chars = Array(a.dropFirst())
        var j = 0
        while j < chars.count {
            let c = chars[j]; j += 1
            switch c {
            case "a": o.and = true
            case "n": o.numericHosts = true
            case "P": o.numericPorts = true
            case "t": o.terse = true
            case "p", "u", "c":
                let v: String
                if j < chars.count { v = String(chars[j...]); j = chars.count }
                else { guard i < args.count else { throw bad("-\(c) needs an argument") }; v = args[i]; i += 1 }
                if c == "c" { o.commands.append(v); continue }
                for item in v.split(separator: ",", omittingEmptySubsequences: true) {
                    let neg = item.hasPrefix("^")
                    let name = String(neg ? item.dropFirst() : item)
                    if c == "p" {
                        guard let p = Int32(name), p >= 0 else { throw bad("illegal process ID: \(v)") }
                        if neg { o.notPids.append(p) } else { o.pids.append(p) }
                    } else if neg { o.notUsers.append(name) } else { o.users.append(name) }
                }
            case "i":
                wantInet = true
                if j < chars.count { inetArgs.append(String(chars[j...])); j = chars.count }
                else if i < args.count, let f = args[i].first, f != "-", f != "+", f != "/", looksLikeInetSpec(args[i]) {
                    inetArgs.append(args[i]); i += 1
                }
            default: throw bad("unknown option '-\(c)'")
            }
        }
    }
    if wantInet {
        o.inet = try inetArgs.map { s throws -> LsofInetSpec in
            guard let spec = parseInetSpec(s) else { throw ToolError.usage("unsupported Internet address: -i \(s)") }
            return spec
        }
        if o.inet!.isEmpty { o.inet = [LsofInetSpec()] }
    }
    return o
}

func looksLikeInetSpec(_ s: String) -> Bool {
    guard let c = s.first else { return false }
    return c == "4" || c == "6" || c == "@" || c == ":" || s.uppercased().hasPrefix("TCP") || s.uppercased().hasPrefix("UDP")
}

/// `[46][PROTO][@HOST][:PORT[,PORT][-PORT]]`.
func parseInetSpec(_ text: String) -> LsofInetSpec? {
    var spec = LsofInetSpec()
    var s = Substring(text)
    if s.hasPrefix("4") { spec.version = 4; s = s.dropFirst() } else if s.hasPrefix("6") { spec.version = 6; s = s.dropFirst() }
    let upper = s.uppercased()
    if upper.hasPrefix("TCP") || upper.hasPrefix("UDP") { spec.proto = String(upper.prefix(3)); s = s.dropFirst(3) }
    var portText: Substring? = nil
    if s.hasPrefix("@") {
        var host = s.dropFirst()
        var rest: Substring = ""
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":"), spec.version != 6 || host.firstIndex(of: ":") == colon {
            rest = host[colon...]; host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        if let b = parseIPv4(String(host)) {
            spec.hosts = [b.withUnsafeBytes { InetAddress(bytes: $0.baseAddress!, isV6: false) }]
        } else if let b = parseIPv6(String(host)) {
            spec.hosts = [b.withUnsafeBytes { InetAddress(bytes: $0.baseAddress!, isV6: true) }]
        } else {
            let hosts = HostsFile.parse((try? readChosenFile { f throws(Errno) in try FileDescriptor.open("/etc/hosts", f) }) ?? [])
            var addrs: [InetAddress] = []
            for v6 in [false, true] where spec.version == 0 || (spec.version == 6) == v6 {
                for b in hosts.lookup(String(host), v6: v6)?.addresses ?? [] {
                    addrs.append(b.withUnsafeBytes { InetAddress(bytes: $0.baseAddress!, isV6: v6) })
                }
            }
            guard !addrs.isEmpty else { return nil }
            spec.hosts = addrs
        }
        s = rest
    }
    if s.hasPrefix(":") { portText = s.dropFirst(); s = "" }
    guard s.isEmpty else { return nil }
    if let p = portText {
        var ranges: [ClosedRange<UInt16>] = []
        for item in p.split(separator: ",") {
            let parts = item.split(separator: "-", maxSplits: 1)
            func port(_ t: Substring) -> UInt16? {
                if let n = UInt16(t) { return n }
                let services = ServicesFile.parse((try? readChosenFile { f throws(Errno) in try FileDescriptor.open("/etc/services", f) }) ?? [])
                return services.entries.first { $0.name == t || $0.aliases.contains(String(t)) }?.port
            }
            guard let lo = port(parts[0]) else { return nil }
            let hi = parts.count > 1 ? port(parts[1]) : lo
            guard let hi, lo <= hi else { return nil }
            ranges.append(lo...hi)
        }
        guard !ranges.isEmpty else { return nil }
        spec.ports = ranges
    }
    return spec
}

/// One output row.
struct LsofRow {
    var fd: String
    var mode: UInt8 = 0x20
    var type: String = ""
    var device: String = ""
    var sizeOff: String = ""
    var node: String = ""
    var name: String
}

struct FileKey: Hashable { let dev: UInt64; let ino: UInt64 }

final class LsofLister {
    let ctx: Context
    let o: LsofOptions
    let reader: OpenFileReader
    var hosts: HostsFile? = nil
    var services: ServicesFile? = nil
    var serviceIndex: [UInt32: String] = [:]
    var netCache: [UInt64: SocketTables] = [:]
    /// Names already looked up: IPv4 hosts, and ports by port | TCP << 16
    /// (thousands of sockets share a few).
    var v4Names: [UInt32: String] = [:], portNames: [UInt32: String] = [:]
    var dirKeys = Set<FileKey>()
    var fileKeys = Set<FileKey>()

    init(ctx: Context, options: LsofOptions) {
        self.ctx = ctx; o = options
        reader = OpenFileReader(procfs: ctx.procfs)
    }

    func sockets(_ pid: Int32) -> SocketTables {
        var key = UInt64(UInt32(bitPattern: pid)) | 1 << 63
        if let t = try? readLink(ctx.procfs.path(pid, "ns/net")), t.hasPrefix("net:["), let v = UInt64(t.dropFirst(5).dropLast()) { key = v }
        if let s = netCache[key] { return s }
        let s = SocketTables(procfs: ctx.procfs, pid: pid)
        netCache[key] = s
        return s
    }

    func hostName(_ a: InetAddress) -> String {
        if a.isUnspecified { return "*" }
        if !a.isV6 {
            if let n = v4Names[a.ipv4] { return n }
            let n = lookUpHostName(a)
            v4Names[a.ipv4] = n
            return n
        }
        return lookUpHostName(a)
    }

    func lookUpHostName(_ a: InetAddress) -> String {
        if !o.numericHosts {
            if hosts == nil { hosts = HostsFile.parse((try? readChosenFile { f throws(Errno) in try FileDescriptor.open(ctx.hostRoot + "/etc/hosts", f) }) ?? []) }
            var bytes: [UInt8] = []
            if a.isV6 {
                for i in 0..<8 { let g = a.group(i); bytes.append(UInt8(g >> 8)); bytes.append(UInt8(g & 0xff)) }
            } else {
                let v = a.ipv4
                bytes = [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
            }
            if let n = hosts!.name(for: bytes) { return n }
        }
        return a.isV6 ? "[\(a.text)]" : a.text
    }

    func portName(_ p: UInt16, _ proto: String) -> String {
        if p == 0 { return "*" }
        let key = UInt32(p) | (proto == "TCP" ? 1 << 16 : 0)
        if let n = portNames[key] { return n }
        let n = lookUpPortName(p, proto)
        portNames[key] = n
        return n
    }

    func lookUpPortName(_ p: UInt16, _ proto: String) -> String {
        if !o.numericPorts {
            if services == nil {
                services = ServicesFile.parse((try? readChosenFile { f throws(Errno) in try FileDescriptor.open(ctx.hostRoot + "/etc/services", f) }) ?? [])
                serviceIndex = services!.tcpUDPIndex()
            }
            switch proto {
            case "TCP": if let n = serviceIndex[UInt32(p) | 1 << 16] { return n }
            case "UDP": if let n = serviceIndex[UInt32(p) | 2 << 16] { return n }
            default:
                let lower = proto.lowercased()
                if let e = services!.entries.first(where: { $0.port == p && $0.proto == lower }) { return e.name }
            }
        }
        return String(p)
    }

    func inetMatches(_ v6: Bool, _ proto: String, _ s: InetSocket) -> Bool {
        guard let specs = o.inet else { return false }
        for spec in specs {
            if spec.version == 4 && v6 || spec.version == 6 && !v6 { continue }
            if let p = spec.proto, p != proto { continue }
            if let h = spec.hosts, !h.contains(s.local) && !h.contains(s.remote) { continue }
            if let r = spec.ports, !r.contains(where: { $0.contains(s.localPort) || $0.contains(s.remotePort) }) { continue }
            return true
        }
        return false
    }

    static func typeName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "REG"
        case S_IFDIR: return "DIR"
        case S_IFCHR: return "CHR"
        case S_IFBLK: return "BLK"
        case S_IFIFO: return "FIFO"
        case S_IFLNK: return "LINK"
        case S_IFSOCK: return "sock"
        default: return "unknown"
        }
    }

    static func device(_ d: dev_t) -> String { "\(deviceMajor(d)),\(deviceMinor(d))" }

    static func offset(_ v: UInt64) -> String { v < 100_000_000 ? "0t\(v)" : "0x" + String(v, radix: 16) }

    /// Type, device, size and node of a stat'd file (lsof: size for
    /// regular files and directories, the offset for devices and FIFOs).
    func describe(_ row: inout LsofRow, _ st: Glibc_stat_t, offset: () -> UInt64?) {
        let fmt = st.st_mode & S_IFMT
        row.type = Self.typeName(st.st_mode)
        row.node = String(st.st_ino)
        if fmt == S_IFCHR || fmt == S_IFBLK {
            row.device = Self.device(st.st_rdev)
        } else {
            row.device = Self.device(st.st_dev)
        }
        if fmt == S_IFCHR || fmt == S_IFIFO || fmt == S_IFSOCK {
            row.sizeOff = offset().map(Self.offset) ?? ""
        } else {
            row.sizeOff = String(st.st_size)
        }
    }

    /// The rows of one process, filtered by the file selections when
    /// `filesOnly` (the process itself was not selected).
    func rows(pid: Int32, filesOnly: Bool, failures: inout [String]) -> [LsofRow] {
        var out: [LsofRow] = []
        let wantDirs = !dirKeys.isEmpty || !fileKeys.isEmpty
        func keyMatches(_ dev: UInt64, _ ino: UInt64) -> Bool {
            let k = FileKey(dev: dev, ino: ino)
            return dirKeys.contains(k) || fileKeys.contains(k)
        }
        func fileSelected(_ st: Glibc_stat_t?) -> Bool {
            guard wantDirs, let st else { return false }
            return keyMatches(UInt64(st.st_dev), UInt64(st.st_ino))
        }
        func keep(_ selected: Bool) -> Bool { filesOnly ? selected : true }
        var exeKey: FileKey? = nil
        for (label, link) in [("cwd", "cwd"), ("rtd", "root"), ("txt", "exe")] {
            let (f, e) = reader.special(pid: pid, link)
            var row = LsofRow(fd: label, name: "")
            if let f {
                row.name = f.target
                if let st = f.status {
                    describe(&row, st, offset: { 0 })
                    if label == "txt" { exeKey = FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) }
                } else { row.type = "unknown" }
                if keep(fileSelected(f.status)) { out.append(row) }
            } else if let e, !filesOnly {
                if e == .noSuchProcess { return [] }
                if e == .noSuchFile && label == "txt" {
                    row.type = "unknown"; row.name = ctx.procfs.path(pid, link)
                } else {
                    row.type = "unknown"; row.name = "\(ctx.procfs.path(pid, link)) (readlink: \(e.message))"
                }
                out.append(row)
            }
        }
        if let maps = reader.maps(pid: pid) {
            for m in maps {
                let st = m.deleted ? nil : reader.mappedFileStatus(pid: pid, m)
                if let st, let exeKey, FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) == exeKey { continue }
                var row = LsofRow(fd: m.deleted ? "DEL" : "mem", type: "REG", device: "\(m.major),\(m.minor)",
                                  sizeOff: st.map { String($0.st_size) } ?? "", node: String(m.inode), name: m.path)
                if m.deleted { row.sizeOff = "" }
                var selected = false
                if wantDirs, let st { selected = keyMatches(UInt64(st.st_dev), UInt64(st.st_ino)) }
                if keep(selected) { out.append(row) }
            }
        }
        let files: [OpenFile]
        do { (files, _) = try reader.descriptors(pid: pid) } catch {
            if error.errno == .noSuchProcess || error.errno == .noSuchFile { return out }
            // Only a process selected as such (-p, -c, -u, or all) gets the
            // NOFD row and the explanation; a search by file or address
            // (-i, +D, FILE) passes over one it cannot read, as lsof does.
            if !filesOnly {
                out.append(LsofRow(fd: "NOFD", name: "\(ctx.procfs.path(pid, "fd")) (opendir: \(error.errno.message))"))
                if let d = error.detail { failures.append(d) }
            }
            return out
        }
        var net: SocketTables? = nil
        out.reserveCapacity(out.count + files.count)
        for f in files {
            var row = LsofRow(fd: String(f.fd), name: f.target)
            if f.linkMode != 0 {
                let r = f.linkMode & UInt32(S_IRUSR) != 0, w = f.linkMode & UInt32(S_IWUSR) != 0
                row.mode = w && !r ? 0x77 : r && !w ? 0x72 : 0x75   // neither (O_PATH): lsof says u
            }
            var selected = false
            if f.target.hasPrefix("socket:["), let ino = UInt64(f.target.dropFirst(8).dropLast()) {
                if net == nil { net = sockets(pid) }
                let found = net!.lookup(ino)
                // lsof names TCP and UDP sockets; others (raw) as `sock`.
                if let (t, s) = found.inet, t.proto == .tcp || t.proto == .udp {
                    let v6 = t.v6, proto = t.proto == .tcp ? "TCP" : "UDP"
                    row.type = v6 ? "IPv6" : "IPv4"
                    row.device = String(ino); row.sizeOff = "0t0"; row.node = proto
                    var name = hostName(s.local) + ":" + portName(s.localPort, proto)
                    if !s.remote.isUnspecified || s.remotePort != 0 {
                        name += "->" + hostName(s.remote) + ":" + portName(s.remotePort, proto)
                    }
                    if proto == "TCP" {
                        let st = Int(s.state) < InetSocket.tcpStateNames.count ? "\(InetSocket.tcpStateNames[Int(s.state)])" : "UNKNOWN"
                        name += " (\(st))"
                    } else { name += " " }
                    row.name = name
                    selected = inetMatches(v6, proto, s)
                } else if let u = found.unix {
                    row.type = "unix"
                    let hex = String(u.address, radix: 16)
                    row.device = "0x" + String(repeating: "0", count: max(0, 16 - hex.utf8.count)) + hex
                    row.sizeOff = "0t0"; row.node = String(ino)
                    let type = u.type == 1 ? "STREAM" : u.type == 2 ? "DGRAM" : u.type == 5 ? "SEQPACKET" : "\(u.type)"
                    let state = u.isListening ? "LISTEN" : ["UNKNOWN", "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING"][Int(min(u.state, 4))]
                    row.name = (u.path.isEmpty ? "" : String(decoding: u.path, as: UTF8.self) + " ") + "type=\(type) (\(state))"
                    // +D and FILE match a bound socket by its file (lsof compares names).
                    if wantDirs, u.path.first == 0x2F {
                        selected = fileSelected(try? fileStatus(ctx.procfs.path(pid, "root") + String(decoding: u.path, as: UTF8.self)))
                    }
                } else {
                    row.type = "sock"; row.sizeOff = "0t0"; row.node = String(ino)
                    if let st = try? fileStatus(ctx.procfs.path(pid, "fd/\(f.fd)")) { row.device = Self.device(st.st_dev) }
                    row.name = "protocol: " + (reader.socketProtocol(pid: pid, fd: f.fd) ?? "?")
                }
            } else if let st = f.status {
                describe(&row, st, offset: { f.position ?? reader.position(pid: pid, fd: f.fd) })
                if f.target.hasPrefix("pipe:[") { row.name = "pipe" }
                else if f.target.hasPrefix("anon_inode:") { row.type = "a_inode"; row.name = String(f.target.dropFirst(11)) }
                selected = fileSelected(st)
            } else {
                if f.target.hasPrefix("pipe:[") { row.type = "FIFO"; row.node = String(f.target.dropFirst(6).dropLast()); row.name = "pipe" }
                else if f.target.hasPrefix("anon_inode:") { row.type = "a_inode"; row.name = String(f.target.dropFirst(11)) }
                else { row.type = "unknown" }
            }
            if keep(selected) { out.append(row) }
        }
        return out
    }

    /// Every file and directory of DIR's tree by (st_dev, st_ino), walked
    /// with an explicit stack (no recursion), links not followed.
    func collectTree(_ dir: String) throws(Errno) -> Set<FileKey> {
        var keys = Set<FileKey>()
        let top = try fileStatus(dir, followSymlinks: true)
        keys.insert(FileKey(dev: UInt64(top.st_dev), ino: UInt64(top.st_ino)))
        guard top.st_mode & S_IFMT == S_IFDIR else { return keys }
        var stack = [dir]
        let dr = DirectoryReader()
        while let d = stack.popLast() {
            guard let fd = try? openNoAtime(O_RDONLY | O_DIRECTORY, { f throws(Errno) in try FileDescriptor.open(d, f) }) else { continue }
            var subdirs: [String] = []
            try? dr.forEach(fd) { name, _, _, _ in
                let n = name.string
                if let st = try? fileStatus(n, relativeTo: fd, followSymlinks: false) {
                    keys.insert(FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)))
                    if st.st_mode & S_IFMT == S_IFDIR {
                        subdirs.append(d.hasSuffix("/") ? d + n : d + "/" + n)
                    }
                }
                return true
            }
            fd.close()
            stack.append(contentsOf: subdirs.reversed())
        }
        return keys
    }
}

@Sendable
func runLsof(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let o = try parseLsofArguments(args)
    try ctx.procfs.requireMounted()
    let lister = LsofLister(ctx: ctx, options: o)
    var status = ExitCode.success
    for d in o.dirs {
        do { lister.dirKeys.formUnion(try lister.collectTree(d)) } catch {
            ctx.out.flush(); ctx.err.write("lsof: WARNING: can't stat() +D directory: \(d): \(error.message)\n")
            status = ExitCode.failure
        }
    }
    for f in o.files {
        do {
            let st = try fileStatus(f)
            lister.fileKeys.insert(FileKey(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)))
        } catch {
            ctx.out.flush(); ctx.err.write("lsof: status error on \(f): \(error.message)\n")
            status = ExitCode.failure
        }
    }
    let procSelectors = !o.pids.isEmpty || !o.users.isEmpty || !o.commands.isEmpty
    let fileSelectors = o.inet != nil || !o.dirs.isEmpty || !o.files.isEmpty
    let table = try ProcessTable(procfs: ctx.procfs, needs: [.root])
    // Only the listed pids need reading when nothing else can select a process.
    let only: Set<Int32>? = !o.pids.isEmpty && (o.and || (o.users.isEmpty && o.commands.isEmpty && !fileSelectors)) ? Set(o.pids) : nil
    table.scan(only: only)
    let names = RootNames(procfs: ctx.procfs, hostRoot: ctx.hostRoot)
    var foundPids = Set<Int32>(), foundCommands = Set<String>(), foundUsers = Set<String>()
    var listed: [(pid: Int32, command: String, user: String, rows: [LsofRow])] = []
    var failures: [String] = []
    for i in 0..<table.entries.count {
        let e = table.entries[i]
        let pid = e.stat.pid
        if o.notPids.contains(pid) { continue }
        let commBytes = Array(table.bytes(e.commOffset, e.commCount))
        let command = String(decoding: commBytes, as: UTF8.self)
        let userNames = names.names(root: e.root, in: table).users
        let user = userNames.name(e.euid) ?? String(e.euid)
        func userIs(_ u: String) -> Bool { u == user || UInt32(u) == e.euid }
        if o.notUsers.contains(where: userIs) { continue }
        var checks: [Bool] = []
        if !o.pids.isEmpty { checks.append(o.pids.contains(pid)) }
        if !o.users.isEmpty {
            let m = o.users.first(where: userIs)
            if let m { foundUsers.insert(m) }
            checks.append(m != nil)
        }
        if !o.commands.isEmpty {
            let m = o.commands.first { command.hasPrefix($0) }
            if let m { foundCommands.insert(m) }
            checks.append(m != nil)
        }
        let procSelected = procSelectors ? (o.and ? checks.allSatisfy { $0 } : checks.contains(true)) : !fileSelectors
        if o.pids.contains(pid) { foundPids.insert(pid) }
        let rows: [LsofRow]
        if procSelected && (!fileSelectors || !o.and) {
            rows = lister.rows(pid: pid, filesOnly: false, failures: &failures)
        } else if fileSelectors && (procSelected || !o.and) {
            rows = lister.rows(pid: pid, filesOnly: true, failures: &failures)
        } else { continue }
        if rows.isEmpty { continue }
        let display = String(decoding: commBytes.prefix(9), as: UTF8.self)
        listed.append((pid, display, user, rows))
    }
    for p in o.pids where !foundPids.contains(p) { status = ExitCode.failure }
    for c in o.commands where !foundCommands.contains(c) { status = ExitCode.failure }
    for u in o.users where !foundUsers.contains(u) { status = ExitCode.failure }
    if listed.isEmpty && (procSelectors || fileSelectors) { status = ExitCode.failure }
    if o.terse {
        for l in listed { ctx.out.decimal(l.pid); ctx.out.byte(ASCII.newline) }
        return status
    }
    if o.json {
        var items: [JSON] = []
        for l in listed {
            for r in l.rows {
                let isOff = r.sizeOff.hasPrefix("0t") || r.sizeOff.hasPrefix("0x")
                let num = isOff ? (r.sizeOff.hasPrefix("0t") ? UInt64(r.sizeOff.dropFirst(2)) : UInt64(r.sizeOff.dropFirst(2), radix: 16)) : UInt64(r.sizeOff)
                items.append(.object([
                    ("command", .string(l.command)), ("pid", .int(Int64(l.pid))), ("user", .string(l.user)),
                    ("fd", Int64(r.fd).map { .int($0) } ?? .string(r.fd)),
                    ("mode", r.mode == 0x20 ? .null : .string(String(UnicodeScalar(r.mode)))),
                    ("type", .string(r.type)), ("device", r.device.isEmpty ? .null : .string(r.device)),
                    ("size", isOff ? .null : num.map { .uint($0) } ?? .null),
                    ("offset", isOff ? num.map { .uint($0) } ?? .null : .null),
                    ("node", r.node.isEmpty ? .null : UInt64(r.node).map { .uint($0) } ?? .string(r.node)),
                    ("name", .string(r.name)),
                ]))
            }
        }
        JSON.array(items).write(to: ctx.out)
        return status
    }
    guard !listed.isEmpty else { return status }
    var wCmd = 7, wPid = 3, wUser = 4, wType = 4, wDev = 6, wSize = 8, wNode = 4
    for l in listed {
        wCmd = max(wCmd, l.command.utf8.count); wPid = max(wPid, String(l.pid).utf8.count); wUser = max(wUser, l.user.utf8.count)
        for r in l.rows {
            wType = max(wType, r.type.utf8.count); wDev = max(wDev, r.device.utf8.count)
            wSize = max(wSize, r.sizeOff.utf8.count); wNode = max(wNode, r.node.utf8.count)
        }
    }
    let out = ctx.out
    func right(_ s: String, _ w: Int) { out.byte(ASCII.space); out.repeatByte(ASCII.space, w - s.utf8.count); out.write(s) }
    out.write("COMMAND"); out.repeatByte(ASCII.space, wCmd - 7)
    right("PID", wPid); right("USER", wUser); right("FD", 4); out.write("  ")
    right("TYPE", wType); right("DEVICE", wDev); right("SIZE/OFF", wSize); right("NODE", wNode)
    out.write(" NAME\n")
    for l in listed {
        let pidText = String(l.pid)
        for r in l.rows {
            out.write(l.command); out.repeatByte(ASCII.space, wCmd - l.command.utf8.count)
            right(pidText, wPid); right(l.user, wUser)
            let fd = r.fd.utf8.count > 4 ? "*" + String(r.fd.suffix(3)) : r.fd
            right(fd, 4); out.byte(r.mode); out.byte(ASCII.space)
            right(r.type, wType); right(r.device, wDev); right(r.sizeOff, wSize); right(r.node, wNode)
            out.byte(ASCII.space); out.write(r.name); out.byte(ASCII.newline)
        }
    }
    if let f = failures.first { out.flush(); ctx.note(f) }
    return status
}
