import ToolboxCore

/// The socket tables of one network namespace (/proc/PID/net: the tables
/// netstat reads), by inode, read lazily: a lookup reads the next table
/// only while the inode has not been found, cheapest first: unix, udp,
/// udp6, raw, raw6, then tcp and tcp6, whose read walks every bucket of the
/// kernel's established hash (milliseconds each, however few sockets there
/// are). A process whose sockets are all unix or UDP never pays for TCP; an
/// inode in no table (netlink...) reads them all, once.
final class SocketTables {
    private let source: ProcNetSource
    /// Tables not read yet, next first; nil is the unix table.
    private var pending: [InetTable?] = [nil, InetTable(.udp, v6: false), InetTable(.udp, v6: true), InetTable(.raw, v6: false),
                                         InetTable(.raw, v6: true), InetTable(.tcp, v6: false), InetTable(.tcp, v6: true)]
    private var inet: [UInt64: (table: InetTable, socket: InetSocket)] = [:]
    private var unix: [UInt64: UnixSocket] = [:]

    init(procfs: ProcFS, pid: Int32) {
        source = ProcNetSource(directory: procfs.path(pid, "net"))
    }

    /// The Internet or unix socket with `inode`, nil when no table has it.
    func lookup(_ inode: UInt64) -> (inet: (table: InetTable, socket: InetSocket)?, unix: UnixSocket?) {
        while true {
            if let i = inet[inode] { return (i, nil) }
            if let u = unix[inode] { return (nil, u) }
            guard !pending.isEmpty else { return (nil, nil) }
            var bad = 0
            if let t = pending.removeFirst() {
                for s in (try? source.inet(t, states: ~0, malformed: &bad)) ?? [] where s.inode != 0 { inet[s.inode] = (t, s) }
            } else {
                for u in (try? source.unix(malformed: &bad)) ?? [] { unix[u.inode] = u }
            }
        }
    }
}
