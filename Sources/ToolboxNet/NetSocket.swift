import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// Sockets for the network applets: addresses, a network namespace to
/// create sockets in (the target's, for --pid), non-blocking connect with a
/// deadline, poll, monotonic time, and the bounded reads of the target's
/// /etc files through /proc/PID/root.

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Equatable, Sendable {
    public var address: [UInt8]   // 4 or 16 bytes
    public var port: UInt16
    public var scope: UInt32 = 0
    public init(address: [UInt8], port: UInt16, scope: UInt32 = 0) {
        self.address = address; self.port = port; self.scope = scope
    }
    public var family: Int32 { address.count == 16 ? AF_INET6 : AF_INET }
    public var isV6: Bool { address.count == 16 }
    /// The address as text (dotted quad or RFC 5952).
    public var host: String {
        address.count == 4 ? "\(address[0]).\(address[1]).\(address[2]).\(address[3])" : formatIPv6(address)
    }
    /// Parses an IPv4 or IPv6 literal (IPv6 may carry `%scope` by index).
    public init?(literal: String, port: UInt16) {
        if let a = parseIPv4(literal) { self.init(address: a, port: port); return }
        if let a = parseIPv6(literal) {
            var scope: UInt32 = 0
            if let pct = literal.firstIndex(of: "%") {
                let name = String(literal[literal.index(after: pct)...])
                scope = UInt32(name) ?? if_nametoindex(name)
            }
            self.init(address: a, port: port, scope: scope); return
        }
        return nil
    }

    /// Calls `body` with the sockaddr and its length.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_storage()
        let len = address.withUnsafeBufferPointer { cshim_sockaddr_make($0.baseAddress, Int32($0.count), port, scope, &storage) }
        return withUnsafePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(len)) }
        }
    }

    /// Reads a sockaddr_storage filled by recvfrom/getsockname.
    public init?(storage: sockaddr_storage) {
        var s = storage
        var bytes = [UInt8](repeating: 0, count: 16)
        var port: UInt16 = 0
        let n = bytes.withUnsafeMutableBufferPointer { cshim_sockaddr_read(&s, $0.baseAddress, &port) }
        guard n > 0 else { return nil }
        self.init(address: Array(bytes.prefix(Int(n))), port: port)
    }
}

/// Milliseconds of CLOCK_MONOTONIC.
public func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Microseconds of CLOCK_MONOTONIC.
public func monotonicMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// The network namespace sockets are created in: this process's own, or
/// the one of a target process (`--pid`). A socket stays bound to the
/// namespace it was created in, so the thread enters the target namespace
/// with setns(2) only around socket(2) and returns at once (as netstat's
/// SockDiag.open does); entering needs CAP_SYS_ADMIN.
public final class NetNamespace {
    let target: FileDescriptor?
    let own: FileDescriptor?

    /// This process's namespace.
    public init() { target = nil; own = nil }

    /// The namespace of `/proc/PID/ns/net` under `procRoot`. When it is the
    /// caller's own namespace, nothing is entered.
    public convenience init(pid: Int32, procRoot: String = "/proc") throws(Errno) {
        try self.init(path: "\(procRoot)/\(pid)/ns/net")
    }

    /// The namespace of a namespace file (/proc/PID/ns/net, /run/netns/NAME).
    public init(path: String) throws(Errno) {
        let t = try FileDescriptor.open(path, O_RDONLY)
        let o: FileDescriptor
        do { o = try FileDescriptor.open("/proc/self/ns/net", O_RDONLY) } catch { t.close(); throw error }
        let a = try t.stat(), b = try o.stat()
        if a.st_ino == b.st_ino && a.st_dev == b.st_dev {
            t.close(); o.close(); target = nil; own = nil
        } else {
            target = t; own = o
        }
    }
    deinit { target?.close(); own?.close() }

    /// socket(2) in this namespace; SOCK_CLOEXEC is always added.
    public func socket(_ domain: Int32, _ type: Int32, _ proto: Int32) throws(Errno) -> FileDescriptor {
        let t = type | Int32(SOCK_CLOEXEC.rawValue)
        guard let target, let own else {
            return FileDescriptor(rawValue: try retryOnInterrupt { Glibc.socket(domain, t, proto) })
        }
        _ = try retryOnInterrupt { cshim_setns(target.rawValue, CSHIM_CLONE_NEWNET) }
        let fd = Glibc.socket(domain, t, proto)
        let err = Errno.current
        if cshim_setns(own.rawValue, CSHIM_CLONE_NEWNET) != 0 {
            // Staying in the target's namespace would make later sockets
            // silently wrong: give up instead.
            let e = Errno.current
            if fd >= 0 { _ = Glibc_close(fd) }
            throw e
        }
        if fd < 0 { throw err }
        return FileDescriptor(rawValue: fd)
    }
}

extension FileDescriptor {
    public func setNonBlocking(_ on: Bool = true) {
        let flags = fcntl(rawValue, F_GETFL)
        _ = fcntl(rawValue, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    /// connect(2) on a non-blocking socket, waiting at most until
    /// `deadline` (monotonic ms; nil waits for the kernel's own timeout).
    /// Throws ETIMEDOUT when the deadline passes (no SYN-ACK and no RST:
    /// a drop), or the connect error (ECONNREFUSED, EHOSTUNREACH, ...).
    public func connect(to addr: SocketAddress, deadline: Int64?) throws(Errno) {
        setNonBlocking()
        let r = addr.withSockaddr { Glibc.connect(rawValue, $0, $1) }
        if r == 0 { return }
        let e = errno
        guard e == EINPROGRESS || e == EINTR else { throw Errno(e) }
        try waitConnected(deadline: deadline)
    }

    /// Waits for an in-progress connect to finish.
    public func waitConnected(deadline: Int64?) throws(Errno) {
        while true {
            let wait = deadline.map { max(0, $0 - monotonicMillis()) } ?? -1
            let ev = try poll(events: Int16(POLLOUT), timeoutMs: wait > Int64(Int32.max) ? Int32.max : Int32(wait))
            if ev == 0 {
                if let d = deadline, monotonicMillis() >= d { throw Errno(ETIMEDOUT) }
                continue
            }
            let err = cshim_socket_error(rawValue)
            if err != 0 { throw Errno(err) }
            return
        }
    }

    /// poll(2) on this descriptor; returns revents (0 on timeout).
    public func poll(events: Int16, timeoutMs: Int32) throws(Errno) -> Int16 {
        var p = pollfd(fd: rawValue, events: events, revents: 0)
        while true {
            let r = Glibc.poll(&p, 1, timeoutMs)
            if r < 0 { if errno == EINTR { continue }; throw Errno.current }
            return r == 0 ? 0 : p.revents
        }
    }

    /// Waits until readable or `deadline` (monotonic ms, nil = forever);
    /// false on timeout.
    public func waitReadable(deadline: Int64?) throws(Errno) -> Bool {
        while true {
            var wait: Int32 = -1
            if let d = deadline {
                let left = d - monotonicMillis()
                if left <= 0 { return false }
                wait = Int32(min(left, Int64(Int32.max)))
            }
            let ev = try poll(events: Int16(POLLIN), timeoutMs: wait)
            if ev != 0 { return true }
        }
    }

    /// send(2) of the whole buffer, polling for POLLOUT until `deadline`.
    public func sendAll(_ bytes: UnsafeRawBufferPointer, deadline: Int64?) throws(Errno) {
        var off = 0
        while off < bytes.count {
            let n = Glibc.send(rawValue, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            if n >= 0 { off += n; continue }
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EWOULDBLOCK else { throw Errno(e) }
            let wait = deadline.map { max(0, $0 - monotonicMillis()) } ?? -1
            if deadline != nil && wait == 0 { throw Errno(ETIMEDOUT) }
            _ = try poll(events: Int16(POLLOUT), timeoutMs: Int32(min(wait, Int64(Int32.max))))
        }
    }

    /// recv(2) waiting at most until `deadline`: the byte count, 0 at EOF;
    /// throws ETIMEDOUT when nothing arrives in time.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, deadline: Int64?) throws(Errno) -> Int {
        if deadline == nil {
            // No deadline: one blocking recv per buffer (waits in the kernel
            // instead of recv + poll + recv when the socket is drained).
            while true {
                let n = Glibc.recv(rawValue, buffer.baseAddress, buffer.count, 0)
                if n >= 0 { return n }
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { _ = try waitReadable(deadline: nil); continue }
                throw Errno(e)
            }
        }
        while true {
            let n = Glibc.recv(rawValue, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            guard e == EAGAIN || e == EWOULDBLOCK else { throw Errno(e) }
            if !(try waitReadable(deadline: deadline)) { throw Errno(ETIMEDOUT) }
        }
    }
}

/// The error text netcat-openbsd, curl and dig print for a connect error.
public func connectErrorText(_ e: Errno) -> String {
    e.rawValue == ETIMEDOUT ? "Connection timed out" : e.message
}

// MARK: - Bounded reads of a target's /etc files

/// Reads a file the target chose (resolv.conf, hosts, nsswitch.conf,
/// services): inside `root` when given, else this process's own file;
/// bounded by `readChosenFile` (regular file, non-blocking, at most `cap`).
public func readTargetFile(root: FileDescriptor?, _ path: String, cap: Int = 1 << 20) throws(Errno) -> [UInt8] {
    do {
        return try readChosenFile(cap: cap) { f throws(Errno) in
            if let root { return try openInRoot(root, path, flags: f) }
            return try FileDescriptor.open(path, f)
        }
    } catch {
        switch error {
        case .system(let e): throw e
        case .notRegular: throw Errno(EINVAL)
        case .tooLarge: throw Errno(EFBIG)
        }
    }
}

/// A pipe for splice(2): bytes go socket -> pipe -> file inside the kernel,
/// never copied through user space (curl -o FILE of a Content-Length body).
public final class SplicePipe {
    let readEnd: Int32, writeEnd: Int32
    /// The pipe's capacity: at most this much per fill.
    public let capacity: Int

    /// A pipe of 1 MiB when the system allows it (else what the kernel gave); nil when no pipe can be made.
    public init?() {
        var fds: [Int32] = [-1, -1]
        // Close-on-exec from the start: no window for a fork elsewhere.
        guard cshim_pipe_cloexec(&fds) == 0 else { return nil }
        readEnd = fds[0]; writeEnd = fds[1]
        var c = cshim_set_pipe_size(writeEnd, 1 << 20)
        // Refused (pipe-max-size, or pipe-user-pages-soft exceeded, which
        // can leave a pipe of one page): ask the kernel what it is.
        if c <= 0 { c = cshim_get_pipe_size(writeEnd) }
        capacity = c > 0 ? Int(c) : 4096
    }
    deinit { _ = Glibc.close(readEnd); _ = Glibc.close(writeEnd) }

    /// Moves up to `count` bytes from `socket` into the (empty) pipe; 0 at
    /// end of stream. A non-blocking socket with nothing to read throws EAGAIN.
    public func fill(from socket: FileDescriptor, count: Int) throws(Errno) -> Int {
        while true {
            let n = cshim_splice(socket.rawValue, writeEnd, min(count, capacity), 1 /* SPLICE_F_MOVE */)
            if n >= 0 { return n }
            if errno != EINTR { throw Errno.current }
        }
    }

    /// Moves `count` bytes (all that is in the pipe) to `out`. Throws EINVAL
    /// before moving anything when `out` does not take splice (O_APPEND...).
    public func drain(to out: FileDescriptor, count: Int) throws(Errno) {
        var left = count
        while left > 0 {
            let n = cshim_splice(readEnd, out.rawValue, left, 1)
            if n > 0 { left -= n; continue }
            if n < 0 && errno == EINTR { continue }
            throw n == 0 ? Errno(EIO) : Errno.current
        }
    }

    /// Reads what the pipe holds into `buffer` (after a drain refused with EINVAL).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        max(0, Glibc.read(readEnd, buffer.baseAddress, buffer.count))
    }
}
