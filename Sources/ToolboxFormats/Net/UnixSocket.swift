/// One line of /proc/net/unix (unix_seq_show in net/unix/af_unix.c):
/// `Num RefCount Protocol Flags Type St Inode Path`, all hex except the
/// inode; the path is the rest of the line (it may contain spaces;
/// abstract names start with `@`, the kernel prints their NUL bytes as `@`).
/// Also built from a unix_diag reply, where RefCount is not reported.
public struct UnixSocket: Equatable, Sendable {
    /// sk_refcnt; nil when the source (unix_diag) does not report it.
    public var refCount: UInt32?
    /// __SO_ACCEPTCON (1 << 16) for a listening socket.
    public var flags: UInt32
    /// SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5.
    public var type: UInt16
    /// The socket state (SS_UNCONNECTED 1, SS_CONNECTING 2, SS_CONNECTED 3, SS_DISCONNECTING 4).
    public var state: UInt8
    public var inode: UInt64
    /// The bound path as bytes (empty when unbound).
    public var path: [UInt8]
    /// The `Num` column: the socket's kernel address as /proc/net/unix
    /// prints it (hashed, %pK), which lsof shows as DEVICE; 0 from unix_diag.
    public var address: UInt64 = 0

    public static let acceptCon: UInt32 = 1 << 16

    public init(refCount: UInt32?, flags: UInt32, type: UInt16, state: UInt8, inode: UInt64, path: [UInt8]) {
        self.refCount = refCount; self.flags = flags; self.type = type; self.state = state
        self.inode = inode; self.path = path
    }

    public var isListening: Bool { flags & Self.acceptCon != 0 && state == 1 }

    /// Parses one line (not the header); nil if malformed or truncated.
    public static func parse(_ line: Bytes) -> UnixSocket? {
        var s = ByteScanner(line)
        guard let num = s.field(), num.last == ASCII.colon else { return nil }
        guard let ref = s.hex(), ref <= UInt32.max,
              s.hex() != nil,                                   // protocol (always 0)
              let flags = s.hex(), flags <= UInt32.max,
              let type = s.hex(), type <= UInt16.max,
              let st = s.hex(), st <= 0xff,
              let inode = s.uint() else { return nil }
        // After the inode: end of line, or one space and the path.
        var path: [UInt8] = []
        if s.position < line.count {
            guard line[s.position] == ASCII.space else { return nil }
            path = Array(Bytes(rebasing: line[(s.position + 1)...]))
        }
        var u = UnixSocket(refCount: UInt32(ref), flags: UInt32(flags), type: UInt16(type), state: UInt8(st),
                           inode: inode, path: path)
        var n = ByteScanner(num)
        u.address = n.hex() ?? 0
        return u
    }

    /// Calls `body` for every socket line of /proc/net/unix and returns the
    /// number of malformed lines skipped.
    @discardableResult
    public static func forEach(in file: Bytes, _ body: (UnixSocket) -> Void) -> Int {
        forEachTableRow(in: file, parse, body)
    }
}
