import ToolboxFormats
import ToolboxSystem

/// The socket ping sends ICMP echo requests on, created in the target's
/// network namespace: an unprivileged datagram ICMP socket (Linux 3.0+,
/// allowed when the caller's gid is in that namespace's
/// net.ipv4.ping_group_range; the kernel sets the identifier, filters
/// replies and queues ICMP errors for IP_RECVERR), else a raw socket
/// (CAP_NET_RAW; every ICMP message of the namespace arrives, the
/// identifier is ours to check). iputils ping tries them in that order.
public final class ICMPSocket {
    public let fd: FileDescriptor
    public let raw: Bool
    public let v6: Bool
    /// The identifier of our requests (raw sockets; the kernel's port for datagram ones).
    public let identifier: UInt16

    init(fd: FileDescriptor, raw: Bool, v6: Bool) {
        self.fd = fd; self.raw = raw; self.v6 = v6
        identifier = UInt16(truncatingIfNeeded: getpid())
        let level = v6 ? Int32(IPPROTO_IPV6) : Int32(IPPROTO_IP)
        if v6 { _ = cshim_set_int_option(fd.rawValue, level, IPV6_RECVHOPLIMIT, 1) }
        else if !raw { _ = cshim_set_int_option(fd.rawValue, level, IP_RECVTTL, 1) }
        if !raw { _ = cshim_set_int_option(fd.rawValue, level, v6 ? IPV6_RECVERR : IP_RECVERR, 1) }
    }
    deinit { fd.close() }

    /// Opens a datagram ICMP socket, else a raw one; on failure both errors.
    public static func open(in ns: NetNamespace, v6: Bool) -> Result<ICMPSocket, ICMPSocketError> {
        let family = v6 ? AF_INET6 : AF_INET
        let proto = v6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP)
        let dgramError: Errno
        do { return .success(ICMPSocket(fd: try ns.socket(family, Int32(SOCK_DGRAM.rawValue), proto), raw: false, v6: v6)) }
        catch { dgramError = error }
        do { return .success(ICMPSocket(fd: try ns.socket(family, Int32(SOCK_RAW.rawValue), proto), raw: true, v6: v6)) }
        catch { return .failure(ICMPSocketError(datagram: dgramError, raw: error)) }
    }

    /// sendto(2) of one request.
    public func send(_ packet: [UInt8], to addr: SocketAddress) throws(Errno) {
        let r = packet.withUnsafeBytes { b in addr.withSockaddr { Glibc.sendto(fd.rawValue, b.baseAddress, b.count, 0, $0, $1) } }
        if r < 0 { throw Errno.current }
    }

    /// One received packet (non-blocking): its length in `buf`, sender and
    /// TTL (nil when the socket had nothing: EAGAIN).
    public func receive(into buf: inout [UInt8]) throws(Errno) -> (count: Int, from: SocketAddress, ttl: Int)? {
        var from = [UInt8](repeating: 0, count: 16)
        var fromLen: Int32 = 0, ttl: Int32 = -1
        let n = buf.withUnsafeMutableBufferPointer { b in
            from.withUnsafeMutableBufferPointer { cshim_icmp_recv(fd.rawValue, b.baseAddress, b.count, $0.baseAddress, &fromLen, &ttl) }
        }
        if n < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return nil }
            throw Errno(e)
        }
        return (n, SocketAddress(address: Array(from.prefix(Int(fromLen))), port: 0), Int(ttl))
    }

    /// One ICMP error from a datagram socket's error queue: the quoted
    /// request's sequence number, the error's type and code and who sent it.
    public func receiveError() -> (sequence: UInt16, type: UInt8, code: UInt8, from: SocketAddress)? {
        var buf = [UInt8](repeating: 0, count: 576)
        var from = [UInt8](repeating: 0, count: 16)
        var fromLen: Int32 = 0, type: Int32 = 0, code: Int32 = 0
        let n = buf.withUnsafeMutableBufferPointer { b in
            from.withUnsafeMutableBufferPointer { cshim_icmp_recv_error(fd.rawValue, b.baseAddress, b.count, &type, &code, $0.baseAddress, &fromLen) }
        }
        guard n >= 8 else { return nil }
        return (UInt16(buf[6]) << 8 | UInt16(buf[7]), UInt8(truncatingIfNeeded: type), UInt8(truncatingIfNeeded: code),
                SocketAddress(address: Array(from.prefix(Int(fromLen))), port: 0))
    }
}

/// Why no ICMP socket could be opened: the datagram socket's error
/// (EACCES: the gid is outside ping_group_range) and the raw one's (EPERM:
/// no CAP_NET_RAW).
public struct ICMPSocketError: Error {
    public let datagram: Errno
    public let raw: Errno
}

/// /proc/sys/net/ipv4/ping_group_range of this process's namespace, as
/// text ("1\t0" when nobody may): for the message when no socket opens.
/// (A --pid target's namespace has its own; /proc/PID/net is not it for
/// sysctls, so the caller says which namespace it read.)
public func pingGroupRange(procRoot: String = "/proc") -> String? {
    guard let b = try? readTargetFile(root: nil, "\(procRoot)/sys/net/ipv4/ping_group_range", cap: 256) else { return nil }
    return String(decoding: b, as: UTF8.self).split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).joinedText(" ")
}
