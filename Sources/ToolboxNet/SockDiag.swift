import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// A NETLINK_SOCK_DIAG socket (sock_diag(7)): dumps of TCP/UDP sockets
/// through inet_diag (with the state filter applied in the kernel) and of
/// unix sockets through unix_diag. The structs come from CShim/netlink.h.
public final class SockDiag {
    public let fd: FileDescriptor
    private let buffer: UnsafeMutableRawBufferPointer
    private var seq: UInt32 = 0

    init(fd: FileDescriptor) {
        self.fd = fd
        buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }
    deinit { fd.close(); buffer.deallocate() }

    /// Opens a sock_diag socket in this process's network namespace, or in
    /// the one of the file `netns` (e.g. /proc/PID/ns/net): the process
    /// enters it with setns(2) just long enough to create the socket (a
    /// socket stays bound to the namespace it was created in), then returns
    /// to its own. Entering needs CAP_SYS_ADMIN; the error is thrown.
    public static func open(netns: String? = nil) throws(Errno) -> SockDiag {
        guard let netns else { return SockDiag(fd: FileDescriptor(rawValue: try retryOnInterrupt { cshim_sockdiag_open() })) }
        let target = try FileDescriptor.open(netns, O_RDONLY)
        defer { target.close() }
        let own = try FileDescriptor.open("/proc/self/ns/net", O_RDONLY)
        defer { own.close() }
        let a = try target.stat(), b = try own.stat()
        if a.st_ino == b.st_ino && a.st_dev == b.st_dev {
            return SockDiag(fd: FileDescriptor(rawValue: try retryOnInterrupt { cshim_sockdiag_open() }))
        }
        _ = try retryOnInterrupt { cshim_setns(target.rawValue, CSHIM_CLONE_NEWNET) }
        let r = cshim_sockdiag_open()
        let openErr = Errno.current
        if cshim_setns(own.rawValue, CSHIM_CLONE_NEWNET) != 0 {
            // Cannot happen with the capability that let us in; if it does,
            // stop rather than read the wrong namespace's /proc/net.
            let e = Errno.current
            if r >= 0 { _ = Glibc_close(r) }
            throw e
        }
        if r < 0 { throw openErr }
        return SockDiag(fd: FileDescriptor(rawValue: r))
    }

    /// Every TCP state bit the dumps ask for: 1 << 0 ... 1 << 12 (not
    /// TCPF_BOUND_INACTIVE, 1 << 13, Linux 6.8, which /proc/net/tcp never shows).
    public static let allStates: UInt32 = (1 << 13) - 1

    /// Dumps the sockets of `family` (AF_INET/AF_INET6) and `proto`
    /// (IPPROTO_TCP/UDP/UDPLITE) whose state bit is in `states`.
    public func inet(family: Int32, proto: Int32, states: UInt32) throws(Errno) -> [InetSocket] {
        seq &+= 1
        if cshim_inet_diag_request(fd.rawValue, UInt8(family), UInt8(proto), states, seq) != 0 { throw Errno.current }
        var result: [InetSocket] = []
        try receive { payload, len in
            if let sock = Self.inetSocket(payload, len, family: family, proto: proto) { result.append(sock) }
        }
        return result
    }

    /// Dumps the unix sockets whose state bit (sk_state: TCP_ESTABLISHED 1,
    /// TCP_CLOSE 7, TCP_LISTEN 10) is in `states`.
    public func unix(states: UInt32) throws(Errno) -> [UnixSocket] {
        seq &+= 1
        if cshim_unix_diag_request(fd.rawValue, states, seq) != 0 { throw Errno.current }
        var result: [UnixSocket] = []
        try receive { payload, len in
            if let sock = Self.unixSocket(payload, len) { result.append(sock) }
        }
        return result
    }

    /// Reads replies until NLMSG_DONE, calling `body` with each payload.
    private func receive(_ body: (UnsafeRawPointer, Int) -> Void) throws(Errno) {
        let base = buffer.baseAddress!
        while true {
            let n = cshim_netlink_recv(fd.rawValue, base, UInt(buffer.count))
            if n < 0 { throw Errno.current }
            if n == 0 { throw Errno(EIO) }
            if try Self.walk(UnsafeRawPointer(base), n, body) { return }
        }
    }

    /// Walks the messages of one received datagram (`count` bytes), calling
    /// `body` with each SOCK_DIAG_BY_FAMILY payload. True at NLMSG_DONE;
    /// throws the errno of an NLMSG_ERROR, EIO for a malformed message.
    /// Pure: the fuzz target `netlink` feeds it arbitrary bytes.
    public static func walk(_ base: UnsafeRawPointer, _ count: Int, _ body: (UnsafeRawPointer, Int) -> Void) throws(Errno) -> Bool {
        var offset = 0
        while offset < count {
            var next = 0, payload = 0, plen = 0
            var err: Int32 = 0
            switch Int(cshim_nlmsg_next(base, count, offset, &next, &payload, &plen, &err)) {
            case Int(CSHIM_NL_DONE): return true
            case Int(CSHIM_NL_ERROR): throw Errno(err == 0 ? EIO : err)
            case Int(CSHIM_NL_DATA): body(base + payload, plen)
            case Int(CSHIM_NL_OTHER): break
            default: throw Errno(EIO)
            }
            offset = next
        }
        return false
    }

    /// The socket of one inet_diag_msg payload of a dump for `family`
    /// (AF_INET/AF_INET6) and `proto`; nil when the payload is too short.
    public static func inetSocket(_ payload: UnsafeRawPointer, _ len: Int, family: Int32, proto: Int32) -> InetSocket? {
        var raw = cshim_inet_sock()
        guard cshim_inet_diag_decode(payload, len, &raw) != 0 else { return nil }
        let v6 = family == AF_INET6
        var s = withUnsafeBytes(of: &raw.src) { src in
            withUnsafeBytes(of: &raw.dst) { dst in
                InetSocket(local: InetAddress(bytes: src.baseAddress!, isV6: v6), localPort: raw.sport,
                           remote: InetAddress(bytes: dst.baseAddress!, isV6: v6), remotePort: raw.dport,
                           state: raw.state,
                           // /proc/net/tcp shows write_seq - snd_una (0) as a listener's
                           // tx_queue where inet_diag reports the backlog limit.
                           txQueue: raw.state == InetSocket.listen && proto == IPPROTO_TCP ? 0 : raw.wqueue,
                           rxQueue: raw.rqueue, uid: raw.uid, inode: raw.inode)
            }
        }
        // idiag_retrans is the retransmissions for timer 1 and the probes
        // sent for 2 and 4; idiag_expires is in milliseconds.
        s.timer = raw.timer; s.timerExpires = UInt64(raw.expires / 10)
        if raw.timer == 2 || raw.timer == 4 { s.probes = UInt32(raw.retrans) } else { s.retransmits = UInt32(raw.retrans) }
        return s
    }

    /// The socket of one unix_diag_msg payload (with its attributes); nil
    /// when the payload is too short.
    public static func unixSocket(_ payload: UnsafeRawPointer, _ len: Int) -> UnixSocket? {
        var raw = cshim_unix_sock()
        guard cshim_unix_diag_decode(payload, len, &raw) != 0 else { return nil }
        return UnixSocket(diag: raw)
    }
}

extension UnixSocket {
    /// From a unix_diag reply. unix_diag reports sk_state, /proc/net/unix
    /// the socket's SS_* state: a listener (TCP_LISTEN) is SS_UNCONNECTED
    /// with __SO_ACCEPTCON, a connected socket SS_CONNECTED, the rest
    /// SS_UNCONNECTED. RefCount is not reported. Abstract names' NUL bytes
    /// become `@`, as /proc/net/unix prints them.
    init(diag d: cshim_unix_sock) {
        var d = d
        let listening = d.state == 10
        var state: UInt8 = 1
        if d.state == 1 { state = 3 }
        var path: [UInt8] = []
        if d.name_len > 0 {
            path = withUnsafeBytes(of: &d.name) { Array($0.prefix(Int(d.name_len))) }
            if path[0] == 0 {
                for i in path.indices where path[i] == 0 { path[i] = 0x40 }
            } else if let nul = path.firstIndex(of: 0) {
                path.removeSubrange(nul...)
            }
        }
        self.init(refCount: nil, flags: listening ? UnixSocket.acceptCon : 0, type: UInt16(d.type),
                  state: state, inode: UInt64(d.inode), path: path)
    }
}
