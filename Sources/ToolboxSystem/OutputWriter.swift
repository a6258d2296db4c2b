import ToolboxFormats

/// The one buffered writer every applet prints through: bytes accumulate in
/// a reusable buffer and go out with write(2) in large chunks. Applets never
/// `print`. A writer can also capture into memory, for in-process tests.
///
/// After EPIPE (the reader of a pipe went away: `toolbox ps -ef | head`) the
/// writer drops everything silently and `isBroken` becomes true, so applets
/// may stop early; the dispatcher then exits without a message.
/// Whether `sig`'s disposition is SIG_IGN (SIG_IGN is the handler value 1).
public func signalIsIgnored(_ sig: Int32) -> Bool {
    var old = sigaction()
    guard sigaction(sig, nil, &old) == 0 else { return false }
    return unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1
}

public final class OutputWriter {
    /// Whether SIGPIPE was ignored when the process started, before toolbox
    /// ignored it for its own applets. A shell keeps an inherited ignore (POSIX:
    /// signals ignored on entry stay ignored), so its builtins then see EPIPE.
    nonisolated(unsafe) public static var sigpipeIgnoredOnEntry = false

    /// Ignores SIGPIPE (EPIPE is handled here) and records the inherited disposition.
    public static func ignoreSigpipe() {
        if signalIsIgnored(SIGPIPE) { sigpipeIgnoredOnEntry = true }
        signal(SIGPIPE, SIG_IGN)
    }

    public enum Sink { case fd(FileDescriptor), memory }

    private let sink: Sink
    private var buffer: [UInt8]
    private let flushThreshold: Int
    /// Everything written, when the sink is `.memory`.
    public private(set) var captured: [UInt8] = []
    public private(set) var isBroken = false
    /// A write error other than EPIPE (e.g. ENOSPC on a redirect).
    public private(set) var failure: Errno?
    /// When true, every newline flushes (stderr).
    public let lineBuffered: Bool

    public init(_ sink: Sink, capacity: Int = 1 << 16, lineBuffered: Bool = false) {
        self.sink = sink
        self.flushThreshold = capacity
        self.lineBuffered = lineBuffered
        buffer = []
        buffer.reserveCapacity(capacity + 256)
    }

    public static func standardOutput() -> OutputWriter { OutputWriter(.fd(.standardOutput)) }
    public static func standardError() -> OutputWriter { OutputWriter(.fd(.standardError), capacity: 4096, lineBuffered: true) }
    public static func memory() -> OutputWriter { OutputWriter(.memory) }

    /// The descriptor written to (nil for a memory sink).
    public var descriptor: FileDescriptor? {
        if case .fd(let fd) = sink { return fd }
        return nil
    }

    /// True when the sink is a terminal (ls picks columns then, as GNU ls).
    public var isTerminal: Bool {
        if case .fd(let fd) = sink { return Terminal.isTerminal(fd.rawValue) }
        return false
    }

    /// The captured output as text (memory sink only).
    public var capturedString: String { String(decoding: captured, as: UTF8.self) }

    @inline(__always) private func didAppend() {
        if buffer.count >= flushThreshold { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        switch sink {
        case .memory:
            captured.append(contentsOf: buffer)
        case .fd(let fd):
            guard !isBroken, failure == nil else { return }
            let result: Errno? = buffer.withUnsafeBytes { b -> Errno? in
                do throws(Errno) { try fd.writeAll(b); return nil } catch { return error }
            }
            if let error = result {
                if error == .brokenPipe { isBroken = true } else { failure = error }
            }
        }
    }

    /// Whether the sink is a pipe (fstat once, on the first `splice`).
    private var sinkIsPipe: Bool?

    /// Moves up to `count` bytes from `source` (a regular file, from its
    /// offset, which advances) into the sink inside the kernel with
    /// splice(2), after flushing what is buffered: no copy through user
    /// space (tar -c into a pipe). Returns the bytes moved, 0 at the end of
    /// the file, or nil when splice is not usable here: the sink is not a
    /// pipe, is broken or failed, or the call failed (nothing was moved
    /// then); the caller reads and writes instead, which reports a read
    /// error in its own words. EPIPE marks the writer broken, as `flush`.
    public func splice(from source: FileDescriptor, count: Int) -> Int? {
        guard case .fd(let fd) = sink, !isBroken, failure == nil, count > 0 else { return nil }
        if sinkIsPipe == nil {
            sinkIsPipe = (try? fd.stat()).map { $0.st_mode & 0o170000 == 0o010000 } ?? false   // S_ISFIFO
        }
        guard sinkIsPipe == true else { return nil }
        flush()
        guard !isBroken, failure == nil else { return nil }
        while true {
            // SPLICE_F_MOVE | SPLICE_F_MORE
            let n = cshim_splice(source.rawValue, fd.rawValue, count, 1 | 4)
            if n >= 0 { return n }
            let e = Errno.current
            if e == .interrupted { continue }
            if e == .brokenPipe { isBroken = true }
            return nil
        }
    }

    // MARK: writing

    @inline(__always) public func byte(_ b: UInt8) {
        buffer.append(b)
        if b == ASCII.newline, lineBuffered { flush() } else { didAppend() }
    }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if lineBuffered { flush() } else { didAppend() }
    }

    public func write(_ s: StaticString) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        if lineBuffered { flush() } else { didAppend() }
    }

    public func write(_ bytes: Bytes) {
        buffer.append(contentsOf: bytes)
        didAppend()
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        didAppend()
    }

    /// Writes `s` and a newline.
    public func line(_ s: String = "") { write(s); byte(ASCII.newline) }

    /// Appends `n` copies of `b`.
    @inline(__always) public func repeatByte(_ b: UInt8, _ n: Int) {
        if n > 0 { buffer.append(contentsOf: repeatElement(b, count: n)) }
    }

    /// Appends `n` copies of `b` a buffer's worth at a time, flushing as it
    /// goes (a printf field as wide as INT_MAX never becomes a buffer of that
    /// size); stops early once a descriptor sink is broken or failed.
    public func fill(_ b: UInt8, _ n: Int) {
        var left = n
        while left > 0 {
            if case .fd = sink, isBroken || failure != nil { buffer.removeAll(keepingCapacity: true); return }
            let k = min(left, flushThreshold)
            buffer.append(contentsOf: repeatElement(b, count: k))
            left -= k
            didAppend()
        }
    }

    /// Decimal digits of `v`, without allocating.
    public func decimal<T: BinaryInteger>(_ v: T) {
        decimal(v, width: 0, leftAlign: false)
    }

    /// Decimal `v` padded with spaces to `width` (right-aligned unless `leftAlign`).
    public func decimal<T: BinaryInteger>(_ v: T, width: Int, leftAlign: Bool = false) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch
        var magnitude = UInt64(truncatingIfNeeded: v.magnitude)
        let negative = v < 0
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[23 - n] = UInt8(truncatingIfNeeded: magnitude % 10) + ASCII.zero
                magnitude /= 10; n += 1
            } while magnitude > 0
            if negative { d[23 - n] = 0x2D; n += 1 }
            let len = n
            if !leftAlign { repeatByte(ASCII.space, width - len) }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - len)...]))
            if leftAlign { repeatByte(ASCII.space, width - len) }
        }
        didAppend()
    }

    /// Lowercase hex of `v`, zero-padded to `digits`.
    public func hex(_ v: UInt64, digits: Int) {
        var started = false
        for i in stride(from: 15, through: 0, by: -1) {
            let nib = UInt8((v >> (UInt64(i) * 4)) & 0xF)
            if nib != 0 || i < digits || started {
                started = true
                buffer.append(nib < 10 ? nib + ASCII.zero : nib - 10 + 0x61)
            }
        }
        didAppend()
    }

    /// `s` padded with spaces to `width`, left- or right-aligned. Never truncates.
    public func padded(_ s: String, width: Int, leftAlign: Bool = true) {
        var s = s
        let len = s.utf8.count
        if !leftAlign { repeatByte(ASCII.space, width - len) }
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if leftAlign { repeatByte(ASCII.space, width - len) }
        didAppend()
    }
}
