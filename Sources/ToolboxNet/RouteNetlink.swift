import ToolboxFormats
import ToolboxSystem

/// A NETLINK_ROUTE socket (rtnetlink(7)) in a network namespace (the
/// target's for --pid): dumps of links, addresses, routes, neighbours and
/// rules, and single requests (`ip route get`). Read-only: only RTM_GET*
/// requests are ever sent. Every wait is bounded (`timeoutMs` per
/// request), and a dump is capped at `maxBytes`.
public final class RouteNetlink {
    let fd: FileDescriptor
    private var seq: UInt32 = 0
    private var buffer: [UInt8]
    public var timeoutMs: Int64 = 5000
    public var maxBytes = 64 << 20

    public init(namespace: NetNamespace) throws(Errno) {
        fd = try namespace.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue), 0 /* NETLINK_ROUTE */)
        buffer = [UInt8](repeating: 0, count: 1 << 16)
    }
    deinit { fd.close() }

    /// Sends `type` with `header` (and attributes) as a dump request and
    /// returns the messages of type `reply`.
    public func dump(_ type: UInt16, reply: UInt16, header: [UInt8], attributes: [(UInt16, [UInt8])] = []) throws(Errno) -> [RtMessage] {
        try talk(RtNetlink.message(type: type, flags: RtNetlink.request | RtNetlink.dump, seq: nextSeq(), header: header, attributes: attributes), reply: reply, single: false)
    }

    /// Sends one non-dump request and returns its reply messages.
    public func request(_ type: UInt16, reply: UInt16, header: [UInt8], attributes: [(UInt16, [UInt8])] = []) throws(Errno) -> [RtMessage] {
        try talk(RtNetlink.message(type: type, flags: RtNetlink.request, seq: nextSeq(), header: header, attributes: attributes), reply: reply, single: true)
    }

    private func nextSeq() -> UInt32 { seq &+= 1; return seq }

    private func talk(_ msg: [UInt8], reply: UInt16, single: Bool) throws(Errno) -> [RtMessage] {
        let sent = msg.withUnsafeBytes { cshim_netlink_send(fd.rawValue, $0.baseAddress, $0.count) }
        if sent != 0 { throw Errno.current }
        let deadline = monotonicMillis() + timeoutMs
        var result: [RtMessage] = []
        var total = 0
        while true {
            guard try fd.waitReadable(deadline: deadline) else { throw Errno(ETIMEDOUT) }
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                let e = errno
                if e == EINTR || e == EAGAIN { continue }
                throw Errno(e)
            }
            if n == 0 { throw Errno(EIO) }
            total += n
            if total > maxBytes { throw Errno(EFBIG) }
            // Copies the datagram: the messages keep their bytes.
            let bytes = Array(buffer[0..<n])
            var got: [RtMessage] = []
            switch RtNetlink.walk(bytes[...], accept: reply, into: &got) {
            case .done: result += got; return result
            case .failed(let e): throw Errno(e)
            case .more:
                result += got
                if single && !got.isEmpty { return result }
            }
        }
    }
}
